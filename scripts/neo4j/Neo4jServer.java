/*
 * Starts a real Neo4j 5.26 (Community) server in this JVM via Neo4j's own test
 * harness (org.neo4j.test:neo4j-harness, see pom.xml next to this file).
 * Used by scripts/neo4j-server.sh for tests and CI; not for production.
 *
 *   java -cp "$(cat classpath.txt)" scripts/neo4j/Neo4jServer.java
 *
 * Environment:
 *   NEO4J_BOLT_PORT  Bolt port on 127.0.0.1                  (default 7687)
 *   NEO4J_PASSWORD   password of user "neo4j"                 (default orgmind-test)
 *   NEO4J_WORK_DIR   directory for database files + auth file (default: new temp dir)
 *   NEO4J_PAGECACHE_MB  page cache size in MiB                (default 64)
 *
 * Auth is enabled. The password is set the way `neo4j-admin dbms
 * set-initial-password` does it: an auth.ini "initial user" file is written
 * before the DBMS starts for the first time, and the system database is
 * initialised from it. So there is no window in which neo4j/neo4j works.
 * Before printing the READY line, a Bolt login with the password is verified.
 *
 * Prints "NEO4J READY bolt://127.0.0.1:<port>" on stdout once usable.
 * SIGTERM / SIGINT shut the DBMS down cleanly (shutdown hook).
 */

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.neo4j.cli.ExecutionContext;
import org.neo4j.commandline.admin.security.SetInitialPasswordCommand;
import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.GraphDatabase;
import org.neo4j.driver.SessionConfig;
import org.neo4j.harness.Neo4j;
import org.neo4j.harness.Neo4jBuilders;
import org.neo4j.io.ByteUnit;
import picocli.CommandLine;

public class Neo4jServer {

    public static void main(String[] args) {
        try {
            run();
        } catch (Throwable t) {
            // Neo4j's non-daemon threads would keep a half-started JVM alive; exit instead.
            System.err.println("NEO4J FAILED: " + t);
            t.printStackTrace();
            System.exit(1);
        }
    }

    private static void run() throws Exception {
        int port = Integer.parseInt(env("NEO4J_BOLT_PORT", "7687"));
        String password = env("NEO4J_PASSWORD", "orgmind-test");
        if (password.isEmpty()) {
            die("NEO4J_PASSWORD must not be empty");
        }
        long pagecacheMb = Long.parseLong(env("NEO4J_PAGECACHE_MB", "64"));
        String workDirEnv = System.getenv("NEO4J_WORK_DIR");
        Path workDir = (workDirEnv == null || workDirEnv.isBlank())
                ? Files.createTempDirectory("orgmind-neo4j-")
                : Path.of(workDirEnv);
        workDir = workDir.toAbsolutePath();
        Files.createDirectories(workDir);

        // 1. Initial password: exactly what `neo4j-admin dbms set-initial-password` does.
        //    It writes <home>/data/dbms/auth.ini; the DBMS below reads it (auth_store_directory)
        //    when it creates the system database on first start.
        Path adminHome = workDir.resolve("admin-home");
        Path adminConf = adminHome.resolve("conf");
        Files.createDirectories(adminConf);
        // Allow short test passwords too (default minimum is 8 characters).
        Files.writeString(adminConf.resolve("neo4j.conf"), "dbms.security.auth_minimum_password_length=1\n");
        int rc = new CommandLine(new SetInitialPasswordCommand(new ExecutionContext(adminHome, adminConf)))
                .execute(password);
        Path authStoreDir = adminHome.resolve("data").resolve("dbms");
        if (rc != 0 || !Files.exists(authStoreDir.resolve("auth.ini"))) {
            die("set-initial-password failed (exit code " + rc + ")");
        }

        // 2. Start the DBMS (Community edition) through the harness.
        //    Database files go to a random sub-folder of <workDir>/db (deleted again on close).
        Neo4j neo4j = Neo4jBuilders.newInProcessBuilder(workDir.resolve("db"))
                .withDisabledServer() // no HTTP / HTTPS connectors, Bolt only
                .withConfig(GraphDatabaseSettings.auth_enabled, true)
                .withConfig(GraphDatabaseInternalSettings.auth_store_directory, authStoreDir)
                .withConfig(GraphDatabaseSettings.auth_minimum_password_length, 1)
                // Tests deliberately try wrong passwords; don't lock the user out after 3 failures.
                .withConfig(GraphDatabaseSettings.auth_max_failed_attempts, 0)
                .withConfig(BoltConnector.enabled, true)
                .withConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
                .withConfig(BoltConnector.advertised_address, new SocketAddress("127.0.0.1", port))
                .withConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                .withConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.mebiBytes(pagecacheMb))
                // Throwaway test data: don't preallocate 256 MiB transaction log files per database.
                .withConfig(GraphDatabaseSettings.preallocate_logical_logs, false)
                .withConfig(GraphDatabaseSettings.logical_log_rotation_threshold, ByteUnit.mebiBytes(16))
                .withConfig(GraphDatabaseSettings.keep_logical_logs, "false")
                // Default Netty quiet period is 5 s per event loop group (~10 s to stop); not needed here.
                .withConfig(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, 0)
                .withConfig(GraphDatabaseInternalSettings.netty_server_shutdown_timeout, Duration.ofSeconds(5))
                .build();

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("NEO4J STOPPING");
            System.out.flush();
            try {
                neo4j.close();
            } catch (Throwable t) {
                t.printStackTrace();
            }
            System.out.println("NEO4J STOPPED");
            System.out.flush();
            stopped.countDown();
        }, "neo4j-shutdown"));

        URI bolt = URI.create("bolt://127.0.0.1:" + neo4j.boltURI().getPort());

        // 3. Self-check over real Bolt with the configured credentials.
        try (var driver = GraphDatabase.driver(bolt, AuthTokens.basic("neo4j", password))) {
            driver.verifyConnectivity();
            try (var session = driver.session(SessionConfig.forDatabase("system"))) {
                var user = session.run("SHOW USERS YIELD user, passwordChangeRequired WHERE user = 'neo4j'")
                        .single();
                if (user.get("passwordChangeRequired").asBoolean()) {
                    die("user neo4j still requires a password change");
                }
            }
            try (var session = driver.session()) {
                if (session.run("RETURN 1 AS x").single().get("x").asLong() != 1) {
                    die("self-check query failed");
                }
            }
        }

        System.out.println("NEO4J READY " + bolt);
        System.out.flush();

        // Keep the JVM alive until SIGTERM/SIGINT triggers the shutdown hook.
        while (!stopped.await(1, TimeUnit.HOURS)) {
            // keep waiting
        }
    }

    private static String env(String name, String dflt) {
        String v = System.getenv(name);
        return (v == null || v.isBlank()) ? dflt : v;
    }

    private static void die(String msg) {
        System.err.println("NEO4J FAILED: " + msg);
        System.exit(1);
    }
}

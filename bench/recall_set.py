"""A hand-written, labelled retrieval set for ``bench/recall.py``.

Three fictional ventures with a year (2025) of decisions (with rationale, the option chosen and,
for most, an outcome) and observations, written by hand in varied wording: nothing here comes
from the templates of ``orgmind.sample``. Each venture also holds near misses for the queries
(other ticket numbers, other churn figures, other months, other plans, the same topic from
another role or kind) so that a query is not answered by topic alone.

Queries carry relevance judgements (ids of relevant decisions and observations; an outcome is
found through its decision, whose document includes the latest outcome) and a category:

* ``paraphrase``  the query shares few or no words with the relevant records
* ``exact``       names, codes and figures ("ACME-42", "Globex", "$49", "3.5%", "INC-311")
* ``time``        a question bounded with ``since``/``until``
* ``filtered``    a question restricted by ``kinds``, ``roles`` or ``labels``

Every query is scoped to one venture (``scope="venture"``), as ``OrgMind.recall`` does by default.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from orgmind.models import Decision, Node, Observation, Outcome, Sharing, Venture

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
"""The evaluation's fixed "now": shortly after the last record, so runs are reproducible."""


def _t(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=10, tzinfo=UTC)


VENTURES = (
    Venture(id="tidewater", name="Tidewater CRM", stage="growth", sharing=Sharing.NONE,
            description="A CRM for small marketing and design agencies", created_at=_t("2024-06-01")),
    Venture(id="brindle", name="Brindle Coffee", stage="growth", sharing=Sharing.NONE,
            description="Specialty coffee subscription boxes shipped in the UK and US",
            created_at=_t("2024-06-01")),
    Venture(id="quarry", name="Quarry", stage="mvp", sharing=Sharing.NONE,
            description="Uptime and API monitoring for developer teams", created_at=_t("2024-06-01")),
)

# (id, role, kind, made_at, title, rationale, chosen, outcome: (observed_at, score, summary) | None)
DecisionRow = tuple[str, str, str, str, str, str, str | None, tuple[str, float, str] | None]
# (id, observed_at, source, role, text)
ObservationRow = tuple[str, str, str, str | None, str]

DECISIONS: tuple[DecisionRow, ...] = (
    # ---- Tidewater CRM ----------------------------------------------------------------------
    ("tw-d01", "ceo", "pricing", "2025-03-04", "Raise the Team plan from $49 to $59 per month",
     "Win/loss notes mention price in only 2 of 31 lost deals, and comparable agency CRMs charge "
     "$65 to $80 a seat.", "raise price",
     ("2025-04-20", 0.3, "Net new MRR up 11% in six weeks; cancellations did not move.")),
    ("tw-d02", "ceo", "pricing", "2025-03-18", "Keep the $19 Starter plan but cap it at 3 seats",
     "Starter accounts with ten or more seats were getting Team features for a third of the price.",
     "cap seats", ("2025-05-02", 0.2, "Seven large Starter accounts upgraded to Team; two left.")),
    ("tw-d03", "cfo", "pricing", "2025-04-09", "Offer 15% off for paying a year up front",
     "Runway is 14 months; prepaid annual contracts pull cash forward without a new round.",
     "annual prepay discount",
     ("2025-06-15", 0.4, "38% of new customers picked annual billing; $210k collected early.")),
    ("tw-d04", "ceo", "pricing", "2025-09-10", "Hold list prices flat through Q4",
     "Sales asked for stability while agencies set next year's budgets in October and November; "
     "the proposed inflation adjustment can wait until January.", "no change", None),
    ("tw-d05", "cmo", "channel", "2025-02-11", "Stop Facebook ads and put the money into LinkedIn sponsored posts",
     "Facebook leads converted to paid at 0.4%; a small LinkedIn test aimed at agency owners "
     "converted at 2.1%.", "LinkedIn",
     ("2025-03-30", 0.35, "Cost per paying customer fell from $1,450 to $610.")),
    ("tw-d06", "cmo", "campaign", "2025-05-06", "Co-host a webinar series with HubSpot partner agencies",
     "Partner agencies already teach our audience; sharing their lists costs us nothing but time.",
     "webinar series",
     ("2025-07-01", -0.1, "420 people registered but only 9 started a trial; we will not repeat it.")),
    ("tw-d07", "cs", "onboarding", "2025-01-22", "Book a 30-minute setup call with every new Team account in its first week",
     "Accounts that never import their contacts are the ones that walk away in month two.",
     "onboarding call",
     ("2025-03-15", 0.55, "Cancellations in the first 60 days went from 9.1% to 5.3% among "
      "accounts that took the call.")),
    ("tw-d08", "cs", "support", "2025-06-03", "Add live chat during European business hours",
     "Median first response to a ticket is 19 hours and agencies in Europe complain the most.",
     "live chat",
     ("2025-07-20", 0.3, "Median first response is now 14 minutes; CSAT went from 78 to 89.")),
    ("tw-d09", "cto", "architecture", "2025-02-25", "Move the reporting database from MySQL to Postgres",
     "Custom reports time out once an agency has more than 2 million activity rows; the worst "
     "query fell from 40 s to 3 s on Postgres in testing.", "Postgres",
     ("2025-05-10", 0.25, "Report timeouts are close to zero; the move ran three weeks late.")),
    ("tw-d10", "cto", "vendor", "2025-04-15", "Send transactional email through Postmark instead of our own SMTP relay",
     "About 12% of password-reset messages to Outlook addresses end up in spam.", "Postmark",
     ("2025-05-20", 0.4, "Outlook inbox placement back to 99%; tickets about missing emails down "
      "by two thirds.")),
    ("tw-d11", "cto", "security", "2025-07-08", "Start a SOC 2 Type I audit with Vanta",
     "Procurement at Globex and at Initech will not sign an enterprise contract without a SOC 2 "
     "report.", "Vanta", None),
    ("tw-d12", "ceo", "sales", "2025-07-29", "Give Globex a free 20-seat pilot for 60 days",
     "Globex's marketing group runs 14 in-house agencies; winning them would make them our "
     "largest account.", "free pilot",
     ("2025-10-02", 0.5, "Globex signed a paid 180-seat contract worth $96k a year.")),
    ("tw-d13", "ceo", "sales", "2025-08-12", "Turn down Initech's request for an on-premise install",
     "A self-hosted edition would tie up two engineers for a quarter and Initech is 3% of revenue.",
     "decline",
     ("2025-09-30", -0.2, "Initech went with a competitor that offers self-hosting.")),
    ("tw-d14", "cto", "engineering", "2025-03-27", "Fix ACME-42 before starting the Gmail sync project",
     "ACME-42 (duplicate contacts after a CSV import) hits every agency that starts from a "
     "spreadsheet and is the biggest source of setup tickets.", "fix first",
     ("2025-04-10", 0.35, "Duplicate-contact tickets fell from about 40 a week to 6.")),
    ("tw-d15", "cto", "engineering", "2025-05-14", "Push ACME-47 to Q3",
     "ACME-47 (calendar events drift when a user changes time zone) only affects people who "
     "travel, and the workaround is documented.", "defer", None),
    ("tw-d16", "cmo", "brand", "2025-06-24", "Rename the Agency plan to Studio",
     "In interviews, small shops read 'Agency plan' as meant for big agencies only.", "Studio",
     ("2025-08-10", 0.0, "No measurable change in pricing-page conversion.")),
    ("tw-d17", "cfo", "budget", "2025-01-15", "Set the Q1 marketing budget at $45,000",
     "Last quarter's $60,000 returned only 1.2x; we are keeping the channels that paid back.",
     "$45,000", None),
    ("tw-d18", "cfo", "budget", "2025-06-30", "Raise the Q3 marketing budget to $70,000",
     "LinkedIn acquisition cost has held near $600 and payback is under eight months.", "$70,000",
     ("2025-10-05", 0.2, "Q3 closed with 212 new paying accounts against 150 in Q2.")),
    ("tw-d19", "cfo", "hiring", "2025-08-20", "Hire a second customer success manager for Europe",
     "One CSM looks after about 160 accounts and the European book has grown to 290.",
     "hire CSM", None),
    ("tw-d20", "cto", "hiring", "2025-10-07", "Bring in a contractor to build two-way Gmail sync",
     "The in-house estimate was 12 engineer-weeks and the team is busy with SOC 2 controls.",
     "contractor",
     ("2025-12-01", -0.35, "The contractor delivered late, the sync duplicated emails and we "
      "rewrote half of it ourselves.")),
    ("tw-d21", "cmo", "channel", "2025-10-21", "Bid on competitor brand keywords in Google Ads",
     "People searching 'Pipedrive alternative' or 'HubSpot for agencies' are close to buying.",
     "Google Ads",
     ("2025-11-30", -0.15, "Clicks cost $14 each and the trials did not convert; paused.")),
    ("tw-d22", "ceo", "product", "2025-11-04", "Build a white-label client portal before the mobile app",
     "Eight of the last ten large prospects wanted to show their own clients a branded dashboard.",
     "client portal", None),
    ("tw-d23", "cs", "retention", "2025-09-16", "Show a save offer (two months at half price) when an account clicks cancel",
     "Exit surveys say 40% of leavers go because budgets are tight in slow months.", "save offer",
     ("2025-11-10", 0.15, "About one in five accounts that tried to cancel took the offer; half of "
      "those left when it ended.")),
    ("tw-d24", "cto", "reliability", "2025-08-05", "Add a read replica for reporting",
     "Monday-morning report runs push the primary database to 95% CPU.", "read replica", None),
    ("tw-d25", "ceo", "pricing", "2025-03-25", "Shorten the free trial from 30 to 14 days",
     "Trial accounts that convert nearly all do so within nine days; a long trial just postpones "
     "the decision.", "14 days",
     ("2025-05-15", 0.1, "Trial-to-paid stayed at 18%; the sales cycle is a week shorter.")),
    ("tw-d26", "cmo", "campaign", "2025-03-10", "Sponsor the Agency Growth Summit in Austin",
     "Two hundred agency owners attend and our three biggest customers will be there.",
     "sponsor", ("2025-04-28", -0.3, "$18,000 spent for 11 qualified leads and one deal.")),
    ("tw-d27", "ceo", "partnership", "2025-12-09", "List Tidewater in the Zapier app directory",
     "Agencies glue their tools together with Zapier; a listing is free and brings intent.",
     "Zapier", None),

    # ---- Brindle Coffee ---------------------------------------------------------------------
    ("br-d01", "ceo", "pricing", "2025-03-11", "Raise the Explorer box from $26 to $29",
     "Green coffee has cost 22% more since the autumn and Explorer's margin is down to 31%.",
     "raise price",
     ("2025-05-01", -0.25, "Monthly cancellations rose from 6% to 8.4% over six weeks and the "
      "margin only partly recovered.")),
    ("br-d02", "ceo", "pricing", "2025-03-20", "Leave the $18 Classic box where it is",
     "Classic is how most subscribers start with us; it is the acquisition product.", "no change",
     None),
    ("br-d03", "cmo", "campaign", "2025-01-27", "Valentine's gift subscription with a free hand grinder",
     "Gift buyers in February are mostly new to us and a grinder makes the box feel premium.",
     "gift bundle",
     ("2025-03-05", 0.2, "1,300 gift subscriptions sold; about a quarter of recipients kept "
      "subscribing on their own card.")),
    ("br-d04", "cmo", "channel", "2025-04-08", "Pay coffee YouTubers for reviews instead of Instagram influencers",
     "Instagram discount codes brought 1,100 orders last quarter but most of those buyers "
     "stopped after one box.", "YouTube reviews",
     ("2025-06-10", 0.4, "Subscribers referred by YouTube stay for 5.1 boxes on average versus "
      "2.3 from Instagram.")),
    ("br-d05", "cs", "retention", "2025-05-05", "Let subscribers skip deliveries for up to two months instead of cancelling",
     "In exit surveys 'too much coffee piling up' is the most common reason to cancel.",
     "pause option",
     ("2025-07-15", 0.5, "Monthly cancellations fell from 8.4% to 5.9%; 30% of people who paused "
      "came back.")),
    ("br-d06", "cto", "vendor", "2025-01-28", "Move subscription billing from Recharge to Shopify's native subscriptions",
     "Recharge charges 1.25% plus 19 cents a transaction; native billing would save about $2,300 "
     "a month.", "Shopify native",
     ("2025-04-02", -0.3, "The migration broke 600 renewals in the first cycle and failed "
      "payments doubled for a month.")),
    ("br-d07", "ops", "logistics", "2025-02-03", "Switch UK deliveries from Royal Mail to DPD",
     "Royal Mail lost or delayed 4% of our parcels in January; DPD quotes 1.1%.", "DPD",
     ("2025-03-30", 0.3, "Late or missing parcels down to 1.4%; each parcel costs 40p more.")),
    ("br-d08", "ops", "logistics", "2025-08-19", "Add UPS as a second carrier on the US East Coast",
     "USPS took 6.8 days on average to reach New England addresses in July.", "UPS", None),
    ("br-d09", "ops", "sourcing", "2025-06-02", "Sign a 12-month green coffee contract with Finca La Esperanza",
     "Fixing the price at $4.10 a pound protects the margin if futures keep climbing.",
     "fixed-price contract",
     ("2025-10-01", 0.45, "Spot prices reached $4.90 a pound by September; the contract saved "
      "roughly $38k.")),
    ("br-d10", "ops", "sourcing", "2025-09-09", "Drop the Sumatra single origin from the Explorer rotation",
     "Sumatra had the lowest tasting scores (3.1 out of 5) two months running.", "drop", None),
    ("br-d11", "cmo", "product", "2025-07-01", "Offer a decaf version of the Classic box",
     "212 subscribers asked for decaf in the last survey and every competitor sells one.",
     "decaf",
     ("2025-09-01", 0.3, "Decaf is 9% of Classic boxes and 40 former subscribers came back for it.")),
    ("br-d12", "cfo", "spend", "2025-04-22", "Approve $35,000 for a second roaster",
     "We roast six days a week already and cannot cover the December gift rush.", "buy",
     ("2025-12-15", 0.35, "December volume was 2.3 times normal with no shipping delays.")),
    ("br-d13", "cfo", "budget", "2025-07-07", "Cut Q3 paid social spend by 30%",
     "Meta CPMs went up 45% in June and it now costs over $62 to win a subscriber.", "cut 30%",
     None),
    ("br-d14", "cmo", "campaign", "2025-10-13", "Black Friday: first box for $5 with a three-box minimum",
     "Last year's 50%-off code brought bargain hunters who left after one box; a minimum keeps "
     "them for three.", "$5 first box",
     ("2025-12-20", 0.2, "4,800 new subscribers, and early retention is ahead of last year's "
      "promotion.")),
    ("br-d15", "cs", "support", "2025-06-16", "Refund damaged bags under $30 without asking for photos",
     "Each damage claim takes an agent about 18 minutes to handle.", "auto refund",
     ("2025-08-01", 0.25, "Claim handling time fell by 70%; refunds cost only $400 a month more.")),
    ("br-d16", "cto", "engineering", "2025-03-03", "Rebuild the taste quiz on the homepage",
     "Visitors who finish the quiz convert three times better, but 55% give up at question four.",
     "rebuild",
     ("2025-04-20", 0.35, "Quiz completion went up to 71% and quiz sign-ups rose 28%.")),
    ("br-d17", "ceo", "expansion", "2025-05-19", "Wait until 2026 to start shipping to Germany",
     "Registering under the German packaging law and setting up VAT would take three months.",
     "delay", None),
    ("br-d18", "cmo", "channel", "2025-11-10", "Put sample packs in 40 rooms at Globex Hotels",
     "Hotel guests try the coffee at leisure; each pack carries a code for a first box.",
     "hotel samples", None),
    ("br-d19", "cfo", "pricing", "2025-08-26", "Charge $3 shipping on orders under $25",
     "Single-bag add-on orders lose money once postage and packing are counted.", "$3 fee", None),
    ("br-d20", "ops", "packaging", "2025-04-14", "Switch to compostable coffee bags",
     "Reviews keep bringing up plastic waste; the compostable bag costs 9p more.", "compostable",
     ("2025-06-30", 0.1, "Reviews praise the packaging; two batches had faulty degassing valves.")),
    ("br-d21", "ceo", "pricing", "2025-11-24", "Launch a $49 Roaster's Reserve box with rare lots",
     "The top tenth of subscribers already buy extra bags each month; a premium tier captures it.",
     "launch", None),
    ("br-d22", "cs", "retention", "2025-02-25", "Put a handwritten note from the roaster in the third box",
     "Most people who leave do it between the second and the fourth box.", "handwritten note",
     ("2025-04-15", 0.05, "No measurable change in cancellations, though customers posted the "
      "notes online.")),
    ("br-d23", "cmo", "campaign", "2025-09-15", "Run a referral scheme: give a free bag, get a free bag",
     "Referred subscribers cost nothing to acquire and tend to stay longer.", "referral",
     ("2025-11-02", 0.15, "620 referrals in six weeks; fraud from self-referrals was small.")),

    # ---- Quarry -----------------------------------------------------------------------------
    ("qu-d01", "cto", "architecture", "2025-01-14", "Move check results from Postgres to ClickHouse",
     "Dashboards covering 30 days of results take 12 seconds; a ClickHouse prototype answered in "
     "400 ms.", "ClickHouse",
     ("2025-04-01", 0.5, "Dashboard p95 is 0.6 s and storage costs fell 60% thanks to compression.")),
    ("qu-d02", "cto", "architecture", "2025-02-18", "Use Redis streams for ingestion rather than Kafka",
     "We are two engineers, nobody has run Kafka in production and we ingest 3,000 events a second.",
     "Redis streams",
     ("2025-08-20", -0.2, "Redis streams dropped events during the June spike; we are moving to "
      "managed Kafka.")),
    ("qu-d03", "cto", "vendor", "2025-09-02", "Adopt Confluent Cloud for check ingestion",
     "The June spike lost 0.8% of events and we now peak at 40,000 events a second.",
     "Confluent Cloud", None),
    ("qu-d04", "ceo", "pricing", "2025-03-03", "Raise the free tier from 10 to 50 monitors",
     "Developers leave the free tier before they reach anything worth paying for.", "50 monitors",
     ("2025-05-20", 0.3, "Free-to-paid conversion rose from 2.1% to 3.5% in two months.")),
    ("qu-d05", "ceo", "pricing", "2025-03-27", "Launch a $49 Team plan with 5 seats and SSO",
     "The jump from the $15 Solo plan to the $199 Business plan loses small teams.", "launch",
     ("2025-06-01", 0.4, "Team is the best-selling plan after eight weeks; 120 upgrades from Solo.")),
    ("qu-d06", "cfo", "pricing", "2025-07-15", "Charge $0.02 per SMS alert beyond 100 a month",
     "Twilio costs for text-message alerts reached $6,800 in June.", "metered SMS",
     ("2025-09-10", 0.2, "SMS spend fell 55%, with a handful of complaints on the forum.")),
    ("qu-d07", "cmo", "channel", "2025-04-02", "Sponsor three DevOps podcasts in Q2",
     "18% of new sign-ups say they first heard of us on a podcast.", "podcasts",
     ("2025-07-05", 0.1, "About 150 attributed sign-ups, but searches for our name rose 25%.")),
    ("qu-d08", "cmo", "content", "2025-05-12", "Open-source our status page template",
     "Search results for 'status page' belong to expensive competitors; a free template earns "
     "links.", "open source",
     ("2025-08-01", 0.45, "3,200 GitHub stars and organic sign-ups up 40%.")),
    ("qu-d09", "sre", "reliability", "2025-06-24", "Start an on-call rotation with a 15-minute paging target",
     "The June outage went unnoticed for 50 minutes in the middle of the night.", "on-call",
     ("2025-09-15", 0.3, "Mean time to acknowledge dropped from 38 to 6 minutes.")),
    ("qu-d10", "cto", "hiring", "2025-07-08", "Hire a senior SRE before building the EU region",
     "We had two incidents in June and nobody on the team knows Kubernetes well.", "senior SRE",
     None),
    ("qu-d11", "ceo", "expansion", "2025-08-18", "Open an EU region in Frankfurt",
     "Umbrella Corp and four other prospects need their data to stay in the EU under GDPR.",
     "Frankfurt",
     ("2025-11-20", 0.35, "Umbrella Corp signed for $72k; the EU region now runs 18% of checks.")),
    ("qu-d12", "ceo", "sales", "2025-10-06", "Give Soylent 25% off for a three-year commitment",
     "A three-year deal removes our largest renewal risk before the next fundraise.", "accept",
     None),
    ("qu-d13", "cto", "security", "2025-05-28", "Rotate every API key and require scoped tokens after INC-311",
     "In INC-311 a key committed to a public repository was used to create 9,000 monitors.",
     "scoped tokens", None),
    ("qu-d14", "cto", "engineering", "2025-11-12", "Limit monitor creation to 100 a minute per account",
     "INC-311 showed how fast a leaked key can create monitors, and INC-318 was a runaway "
     "Terraform loop.", "rate limit", None),
    ("qu-d15", "cfo", "spend", "2025-04-16", "Pay $28,000 a year for Datadog to watch our own infrastructure",
     "We monitored ourselves with our own product, which went dark during our own outage.",
     "Datadog", None),
    ("qu-d16", "cmo", "campaign", "2025-09-22", "Run a 'switch from Pingdom' campaign with a one-click import",
     "Pingdom is raising prices by 30% in September.", "switch campaign",
     ("2025-11-25", 0.4, "620 accounts imported their Pingdom checks and 14% became paying.")),
    ("qu-d17", "cfo", "budget", "2025-10-01", "Freeze non-engineering hiring through Q4",
     "Runway is 16 months and the board wants 24 before the next raise.", "freeze", None),
    ("qu-d18", "cto", "product", "2025-03-19", "Build synthetic browser checks on Playwright",
     "The most-voted request from Business customers (64 votes).", "Playwright",
     ("2025-07-30", 0.25, "30% of Business accounts use browser checks; each costs 8 times an "
      "HTTP check to run.")),
    ("qu-d19", "ceo", "pricing", "2025-12-01", "Raise the Business plan from $199 to $249 from January",
     "Business customers run three times as many checks as in 2024 and browser checks are "
     "expensive.", "raise price", None),
    ("qu-d20", "cmo", "channel", "2025-01-27", "Stop bidding on 'uptime monitoring' in Google Ads",
     "Clicks cost $11 and every paid sign-up from search cost about $900.", "stop", None),
    ("qu-d21", "sre", "reliability", "2025-10-20", "Hold a game day every quarter to rehearse region failover",
     "The EU region doubles the ways we can fail; nobody has practised a failover.",
     "quarterly game days", None),
    ("qu-d22", "cto", "vendor", "2025-02-06", "Send alert emails through Amazon SES instead of SendGrid",
     "SendGrid costs $1,900 a month; SES would be about $300.", "Amazon SES",
     ("2025-03-20", 0.3, "Email costs down 80%, after a week of Gmail throttling while the IPs "
      "warmed up.")),
)

OBSERVATIONS: tuple[ObservationRow, ...] = (
    # ---- Tidewater CRM ----------------------------------------------------------------------
    ("tw-o01", "2025-01-09", "metric", "cfo", "Monthly churn was 3.5% in December, up from 2.8% in November."),
    ("tw-o02", "2025-04-03", "metric", "cfo", "Monthly churn came in at 2.9% for March."),
    ("tw-o03", "2025-02-19", "customer", "cs", "Globex's head of operations asked whether we support single sign-on with Okta."),
    ("tw-o04", "2025-05-27", "customer", "cs", "Acme Corp says ACME-42 is back: duplicates reappear when the CSV has trailing spaces."),
    ("tw-o05", "2025-03-12", "customer", "cs", "Three agencies told us they left because getting their pipelines set up took the team more than a week."),
    ("tw-o06", "2025-06-11", "market", "cmo", "Pipedrive launched an agency bundle at $39 a seat."),
    ("tw-o07", "2025-07-15", "incident", "cto", "Incident: reports were unavailable for 47 minutes after a schema migration locked the deals table."),
    ("tw-o08", "2025-08-28", "metric", "cmo", "310 trial sign-ups came from LinkedIn in August, our best month so far."),
    ("tw-o09", "2025-09-03", "customer", "sales", "Hooli's procurement team said our security questionnaire answers were too vague to approve."),
    ("tw-o10", "2025-10-14", "metric", "cfo", "Net revenue retention reached 108% in Q3, mostly from seat expansion at Globex."),
    ("tw-o11", "2025-11-18", "customer", "cs", "Vandelay Industries wants invoices in euros with VAT numbers on every one."),
    ("tw-o12", "2025-02-05", "customer", "sales", "Lost deal: Pied Piper picked Monday.com for its Gantt views."),
    ("tw-o13", "2025-12-02", "metric", "cfo", "Gross margin for Q4 is tracking at 81%, down from 84%, because of the chat tooling."),
    ("tw-o14", "2025-04-22", "metric", "cs", "About 60% of new Team accounts book the setup call; the rest ignore the invitation."),
    ("tw-o15", "2025-07-02", "market", "ceo", "HubSpot announced a starter CRM tier for agencies at $20 per user."),
    ("tw-o16", "2025-10-29", "incident", "cto", "Incident: Gmail sync duplicated around 4,000 emails across 37 accounts; cleaned up with a script."),
    ("tw-o17", "2025-03-06", "metric", "ceo", "Only 2 of the 31 deals we lost in Q1 named price as the main reason."),
    ("tw-o18", "2025-09-22", "customer", "cs", "Initech's admin complained that the deal board is cut off on phones."),
    ("tw-o19", "2025-06-18", "metric", "cmo", "The pricing page turns 4.2% of visitors into trials; the SaaS median is about 3%."),
    ("tw-o20", "2025-11-25", "customer", "sales", "Globex asked for a quote to add 60 seats in January."),
    ("tw-o21", "2025-07-08", "metric", "cfo", "Monthly churn was 3.1% in June."),
    ("tw-o22", "2025-06-26", "customer", "cs", "ACME-17: PDF export cuts off long deal notes (reported by Acme Corp)."),
    ("tw-o23", "2025-08-07", "customer", "sales", "Globe Media asked for a reseller discount for their network of agencies."),
    ("tw-o24", "2025-05-21", "metric", "ceo", "64% of Team accounts use three seats or fewer."),
    ("tw-o25", "2025-11-06", "metric", "cmo", "Our $59 Team plan now brings in 58% of new MRR."),

    # ---- Brindle Coffee ---------------------------------------------------------------------
    ("br-o01", "2025-01-31", "incident", "ops", "A Royal Mail strike held up about 900 boxes by as much as a week."),
    ("br-o02", "2025-02-28", "metric", "cfo", "Subscription churn was 6.1% in February."),
    ("br-o03", "2025-05-30", "metric", "cfo", "Subscription churn hit 8.4% in April, the highest since launch."),
    ("br-o04", "2025-03-14", "customer", "cs", "Several reviews say the Explorer box is too dear for 250 g of coffee."),
    ("br-o05", "2025-06-21", "customer", "cs", "A subscriber wrote that the skip button kept her from cancelling while she spent a month abroad."),
    ("br-o06", "2025-07-24", "market", "ceo", "Beanbox cut its entry box to $15."),
    ("br-o07", "2025-08-12", "incident", "ops", "A roaster temperature probe failed; a batch of Ethiopia Guji came out too dark and was pulled."),
    ("br-o08", "2025-09-18", "metric", "cmo", "The average subscriber now stays for 4.6 boxes, up from 3.2 in Q1."),
    ("br-o09", "2025-10-07", "customer", "cs", "Emails about bags arriving with broken valves doubled this week."),
    ("br-o10", "2025-11-03", "market", "cmo", "Searches for 'coffee gift subscription' triple from mid-November every year."),
    ("br-o11", "2025-04-29", "metric", "ops", "Shipping one box in the UK now costs £3.85 on average."),
    ("br-o12", "2025-12-01", "incident", "cto", "Incident: checkout was down for 35 minutes on Cyber Monday after a theme update."),
    ("br-o13", "2025-02-10", "customer", "cs", "Two offices asked whether we can invoice monthly for their office coffee."),
    ("br-o14", "2025-06-05", "metric", "cmo", "Instagram influencer codes: 70% of those buyers cancelled after the first box."),
    ("br-o15", "2025-09-30", "metric", "cfo", "Q3 revenue was $412k at a 38% gross margin."),
    ("br-o16", "2025-10-20", "customer", "cmo", "The Globex Hotels procurement manager asked for sample packs for 40 rooms."),
    ("br-o17", "2025-03-26", "customer", "ops", "Finca La Esperanza offered a fixed price for twelve months if we commit to 18 tonnes."),
    ("br-o18", "2025-08-04", "metric", "cs", "Decaf subscribers rate their coffee 4.4 out of 5, above the Classic average."),
    ("br-o19", "2025-08-02", "metric", "cfo", "Subscription churn was 5.9% in July."),
    ("br-o20", "2025-05-08", "market", "ops", "DHL quoted £4.20 a parcel for next-day UK delivery."),
    ("br-o21", "2025-10-28", "metric", "cfo", "The Explorer box is 41% of revenue."),
    ("br-o22", "2025-06-09", "metric", "ops", "Roasting runs at 92% of capacity on weekdays."),

    # ---- Quarry -----------------------------------------------------------------------------
    ("qu-o01", "2025-06-12", "incident", "sre", "Incident: ingestion dropped check results for 50 minutes overnight after Redis ran out of memory."),
    ("qu-o02", "2025-06-27", "incident", "sre", "Incident: alert emails were up to 20 minutes late because we hit the SES sending limit."),
    ("qu-o03", "2025-05-26", "incident", "cto", "INC-311: a leaked API key created 9,000 monitors on one account within an hour."),
    ("qu-o04", "2025-11-05", "incident", "sre", "INC-318: a customer's Terraform loop recreated the same monitor every 30 seconds."),
    ("qu-o05", "2025-02-26", "metric", "ceo", "Free-to-paid conversion is 2.1%; most free users run fewer than 5 monitors."),
    ("qu-o06", "2025-05-22", "metric", "ceo", "Free-to-paid conversion reached 3.5% in May."),
    ("qu-o07", "2025-08-14", "market", "cmo", "Pingdom announced a 30% price increase on every plan from September."),
    ("qu-o08", "2025-07-03", "customer", "sales", "Umbrella Corp's security team will only buy if the data stays in Europe."),
    ("qu-o09", "2025-09-25", "customer", "sales", "Soylent asked for a three-year contract with locked pricing."),
    ("qu-o10", "2025-04-18", "customer", "cs", "Hooli's engineers asked for a Terraform provider."),
    ("qu-o11", "2025-10-15", "metric", "cfo", "Paid logo churn was 1.8% a month in Q3, down from 2.6% in Q2."),
    ("qu-o12", "2025-03-10", "customer", "cs", "Small teams keep writing in to ask for something between Solo and Business."),
    ("qu-o13", "2025-12-10", "metric", "cfo", "ARR crossed $1.2M in November."),
    ("qu-o14", "2025-08-29", "customer", "cs", "Forum users complain the SMS charges were announced with too little notice."),
    ("qu-o15", "2025-01-20", "metric", "cto", "Dashboard queries over 30 days of data take 12 seconds at p95."),
    ("qu-o16", "2025-09-08", "market", "cmo", "Better Stack launched a free tier with 10 monitors and a status page."),
    ("qu-o17", "2025-03-31", "incident", "sre", "INC-301: our DNS provider had a 20-minute outage and checks reported false downtime."),
    ("qu-o18", "2025-07-21", "metric", "ceo", "Trial-to-paid on the Business plan is 11%."),
    ("qu-o19", "2025-05-02", "customer", "sales", "Umbrella Health asked about HIPAA; we are not pursuing it this year."),
    ("qu-o20", "2025-11-28", "metric", "cfo", "Twilio bill for November was $2,900."),
)


@dataclass(frozen=True)
class Query:
    id: str
    category: str
    venture: str
    text: str
    relevant: frozenset[str]
    kinds: tuple[str, ...] | None = None
    roles: tuple[str, ...] | None = None
    labels: tuple[str, ...] | None = None
    since: datetime | None = None
    until: datetime | None = None


def _q(qid: str, category: str, venture: str, text: str, relevant: str, **filters: object) -> Query:
    for bound in ("since", "until"):
        if isinstance(filters.get(bound), str):
            filters[bound] = datetime.fromisoformat(str(filters[bound])).replace(tzinfo=UTC)
    return Query(qid, category, venture, text, frozenset(relevant.split()), **filters)  # type: ignore[arg-type]


QUERIES: tuple[Query, ...] = (
    # ---- paraphrase: few shared words ---------------------------------------------------------
    _q("p01", "paraphrase", "tidewater", "how did we reduce customer churn", "tw-d07 tw-d23"),
    _q("p02", "paraphrase", "tidewater", "why do agencies stop paying for the product", "tw-o05 tw-d23 tw-d07"),
    _q("p03", "paraphrase", "tidewater", "customers not receiving the system emails we send", "tw-d10"),
    _q("p04", "paraphrase", "tidewater", "reports are slow for big accounts", "tw-d09 tw-d24"),
    _q("p05", "paraphrase", "tidewater", "which advertising gets us paying users most cheaply", "tw-d05 tw-d21"),
    _q("p06", "paraphrase", "tidewater", "large buyers need a compliance certification", "tw-d11 tw-o09"),
    _q("p07", "paraphrase", "tidewater", "answering help requests faster", "tw-d08"),
    _q("p08", "paraphrase", "brindle", "keep subscribers from cancelling", "br-d05 br-d22 br-d04 br-o05"),
    _q("p09", "paraphrase", "brindle", "parcels arriving late or going missing", "br-d07 br-o01 br-d08"),
    _q("p10", "paraphrase", "brindle", "bean costs going up", "br-d09 br-d01 br-o17"),
    _q("p11", "paraphrase", "brindle", "customers who want to avoid caffeine", "br-d11 br-o18"),
    _q("p12", "paraphrase", "brindle", "more sustainable packaging", "br-d20"),
    _q("p13", "paraphrase", "brindle", "which creators brought us loyal customers", "br-d04 br-o14"),
    _q("p14", "paraphrase", "quarry", "charts load too slowly from the database", "qu-d01 qu-o15"),
    _q("p15", "paraphrase", "quarry", "losing data when traffic peaks", "qu-d02 qu-d03 qu-o01"),
    _q("p16", "paraphrase", "quarry", "european customers want their data kept locally", "qu-d11 qu-o08"),
    _q("p17", "paraphrase", "quarry", "how quickly engineers respond to pages at night", "qu-d09"),
    _q("p18", "paraphrase", "quarry", "cut what we pay to send notification emails", "qu-d22"),

    # ---- exact names, codes and figures -------------------------------------------------------
    _q("e01", "exact", "tidewater", "ACME-42", "tw-d14 tw-o04"),
    _q("e02", "exact", "tidewater", "Globex", "tw-d12 tw-o03 tw-o10 tw-o20 tw-d11"),
    _q("e03", "exact", "tidewater", "$49 plan", "tw-d01"),
    _q("e04", "exact", "tidewater", "churn 3.5%", "tw-o01"),
    _q("e05", "exact", "tidewater", "Initech", "tw-d13 tw-o18 tw-d11"),
    _q("e06", "exact", "tidewater", "Postmark", "tw-d10"),
    _q("e07", "exact", "brindle", "DPD", "br-d07"),
    _q("e08", "exact", "brindle", "Finca La Esperanza", "br-d09 br-o17"),
    _q("e09", "exact", "brindle", "Explorer box $29", "br-d01"),
    _q("e10", "exact", "brindle", "8.4% churn", "br-o03 br-d05 br-d01"),
    _q("e11", "exact", "brindle", "Globex Hotels", "br-d18 br-o16"),
    _q("e12", "exact", "quarry", "INC-311", "qu-o03 qu-d13 qu-d14"),
    _q("e13", "exact", "quarry", "3.5% conversion", "qu-d04 qu-o06"),
    _q("e14", "exact", "quarry", "Pingdom", "qu-d16 qu-o07"),
    _q("e15", "exact", "quarry", "Umbrella Corp", "qu-d11 qu-o08"),
    _q("e16", "exact", "quarry", "ClickHouse", "qu-d01"),

    # ---- time-scoped ----------------------------------------------------------------------------
    _q("t01", "time", "tidewater", "what did we decide about pricing", "tw-d01 tw-d02 tw-d25",
       since="2025-03-01", until="2025-04-01"),
    _q("t02", "time", "tidewater", "marketing spend decisions", "tw-d17 tw-d05",
       since="2025-01-01", until="2025-04-01"),
    _q("t03", "time", "tidewater", "incidents and outages", "tw-o07 tw-o16", since="2025-07-01"),
    _q("t04", "time", "tidewater", "what customers asked us for", "tw-o11 tw-o20 tw-o18 tw-o09",
       since="2025-09-01"),
    _q("t05", "time", "brindle", "pricing changes", "br-d19 br-d21", since="2025-08-01"),
    _q("t06", "time", "brindle", "churn numbers", "br-o02", until="2025-04-01"),
    _q("t07", "time", "brindle", "marketing campaigns", "br-d14 br-d18 br-d23", since="2025-09-01"),
    _q("t08", "time", "quarry", "what went wrong in production", "qu-o01 qu-o02",
       since="2025-06-01", until="2025-07-01"),
    _q("t09", "time", "quarry", "pricing decisions", "qu-d04 qu-d05", until="2025-07-01"),
    _q("t10", "time", "quarry", "what did we learn about conversion to paid", "qu-o06 qu-d16 qu-o18",
       since="2025-05-01"),

    # ---- filtered by kind, role or label ------------------------------------------------------
    _q("f01", "filtered", "tidewater", "customer success team capacity", "tw-d19", kinds=("hiring",)),
    _q("f02", "filtered", "tidewater", "Gmail sync", "tw-d20 tw-d14", roles=("cto",), labels=("Decision",)),
    _q("f03", "filtered", "tidewater", "is price the reason we lose deals", "tw-o17", labels=("Observation",)),
    _q("f04", "filtered", "tidewater", "keeping accounts from leaving", "tw-d07 tw-d23",
       kinds=("retention", "onboarding")),
    _q("f05", "filtered", "brindle", "coffee quality problems", "br-d10 br-o07", roles=("ops",)),
    _q("f06", "filtered", "brindle", "what customers say about our prices", "br-o04", labels=("Observation",)),
    _q("f07", "filtered", "brindle", "holiday gift season", "br-d03 br-d14", kinds=("campaign", "channel")),
    _q("f08", "filtered", "quarry", "cost of alerts", "qu-d06", roles=("cfo",)),
    _q("f09", "filtered", "quarry", "event streaming", "qu-d02 qu-d03", kinds=("architecture", "vendor")),
    _q("f10", "filtered", "quarry", "incident response", "qu-d09 qu-d21", labels=("Decision",),
       kinds=("reliability",)),
    _q("f11", "filtered", "quarry", "security problems with API keys", "qu-o03", labels=("Observation",)),
)


def records() -> list[Node]:
    """The set's records, in an order that satisfies every reference."""
    nodes: list[Node] = list(VENTURES)
    for did, role, kind, day, title, rationale, chosen, outcome in DECISIONS:
        venture = {"tw": "tidewater", "br": "brindle", "qu": "quarry"}[did[:2]]
        nodes.append(Decision(id=did, venture_id=venture, role=role, kind=kind, title=title,
                              rationale=rationale, chosen=chosen, made_at=_t(day)))
        if outcome is not None:
            observed, score, summary = outcome
            nodes.append(Outcome(id=f"{did}-out", venture_id=venture, decision_id=did, score=score,
                                 summary=summary, observed_at=_t(observed)))
    for oid, day, source, role, text in OBSERVATIONS:
        venture = {"tw": "tidewater", "br": "brindle", "qu": "quarry"}[oid[:2]]
        nodes.append(Observation(id=oid, venture_id=venture, text=text, source=source, role=role,
                                 observed_at=_t(day)))
    return nodes


def check() -> None:
    """Every judged id exists, belongs to the query's venture and passes the query's filters."""
    by_id = {n.id: n for n in records()}
    for query in QUERIES:
        for rid in query.relevant:
            node = by_id[rid]
            assert node.owner_venture == query.venture, (query.id, rid)
            if query.kinds is not None:
                assert node.kind_key in query.kinds, (query.id, rid)
            if query.roles is not None:
                assert node.role_key in query.roles, (query.id, rid)
            if query.labels is not None:
                assert node.label.value in query.labels, (query.id, rid)
            if query.since is not None:
                assert node.timestamp >= query.since, (query.id, rid)
            if query.until is not None:
                assert node.timestamp < query.until, (query.id, rid)

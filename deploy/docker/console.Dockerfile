# Staff console: agents (handoff) and reviewers (conversation review, retraining).
# From the project root: docker build -f deploy/docker/console.Dockerfile .
# It reads Rasa's tracker store (PostgreSQL) and writes corrections and retrained models to /state.
FROM python:3.10-slim
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 PYTHONPATH=/app RASA_TELEMETRY_ENABLED=false \
    CARTWISE_CONFIG=/config/cartwise.yml
WORKDIR /app
COPY requirements/bot.txt requirements/bot.txt
RUN pip install --no-cache-dir "pip<24.1" && pip install --no-cache-dir -r requirements/bot.txt
COPY console/ console/
COPY bot/ bot/
COPY telemetry/ telemetry/
COPY cartwise/ cartwise/
COPY config.yml domain.yml ./
COPY data/ data/
RUN useradd --system --uid 10001 cartwise
USER cartwise
EXPOSE 5090
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:5090/health')"
CMD ["python", "-m", "console", "--port", "5090"]

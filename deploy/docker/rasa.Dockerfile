# Rasa server (NLU + dialogue). From the project root: docker build -f deploy/docker/rasa.Dockerfile .
# models/ (the trained Rasa model and the MiniLM weights) is mounted read-only at /app/models.
FROM python:3.10-slim
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 PYTHONPATH=/app RASA_TELEMETRY_ENABLED=false \
    CARTWISE_CONFIG=/config/cartwise.yml
WORKDIR /app
COPY requirements/bot.txt requirements/bot.txt
RUN pip install --no-cache-dir "pip<24.1" && pip install --no-cache-dir -r requirements/bot.txt
COPY bot/ bot/
COPY telemetry/ telemetry/
COPY cartwise/ cartwise/
COPY config.yml domain.yml credentials.yml ./
RUN useradd --system --uid 10001 cartwise
USER cartwise
EXPOSE 5005
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:5005/')"
CMD ["sh", "-c", "exec rasa run --enable-api --auth-token \"$CARTWISE_RASA_TOKEN\" --port 5005 --model models/rasa/cartwise.tar.gz --endpoints /config/endpoints.yml --credentials credentials.yml"]

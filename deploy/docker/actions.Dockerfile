# Action server (rasa_sdk's app with metrics and JSON logs: actions/server.py). From the project root: docker build -f deploy/docker/actions.Dockerfile .
# Stateless but for the demo order store (/state); reaches the recommender and the console by name.
FROM python:3.10-slim
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 PYTHONPATH=/app RASA_TELEMETRY_ENABLED=false \
    CARTWISE_CONFIG=/config/cartwise.yml
WORKDIR /app
COPY requirements/bot.txt requirements/bot.txt
RUN pip install --no-cache-dir "pip<24.1" && pip install --no-cache-dir -r requirements/bot.txt
COPY actions/ actions/
COPY telemetry/ telemetry/
COPY cartwise/ cartwise/
COPY shop/data/ shop/data/
RUN useradd --system --uid 10001 cartwise
USER cartwise
EXPOSE 5055
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:5055/health')"
CMD ["python", "-m", "actions.server", "--host", "0.0.0.0", "--port", "5055"]

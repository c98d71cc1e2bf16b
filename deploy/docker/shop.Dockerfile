# The demo shop page with the rasa-webchat widget. From the project root:
#   docker build -f deploy/docker/shop.Dockerfile .
# Node is needed only to fetch the widget bundle (npm ci), so it stays in the first stage.
FROM node:20-slim AS widget
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts --omit=dev

FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 PYTHONPATH=/app CARTWISE_CONFIG=/config/cartwise.yml
WORKDIR /app
RUN pip install --no-cache-dir "aiohttp>=3.9,<4" "PyYAML>=6" "SQLAlchemy>=1.4,<2" "psycopg2-binary>=2.9,<3"
COPY shop/ shop/
COPY telemetry/ telemetry/
COPY cartwise/ cartwise/
COPY --from=widget /app/node_modules/rasa-webchat/ node_modules/rasa-webchat/
RUN useradd --system --uid 10001 cartwise
USER cartwise
EXPOSE 5080
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:5080/health')"
CMD ["python", "-m", "shop", "--port", "5080"]

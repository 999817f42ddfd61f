# aixgo serve in a container. Build: docker build -t aixgo:0.1.0 .
# Run:   docker run --read-only --tmpfs /tmp -v aixgo-data:/data -v "$PWD/workflows:/workflows:ro" \
#          -p 8080:8080 aixgo:0.1.0
# Three stages: build the wheel; install the locked, hash-checked dependencies and that wheel into a
# virtualenv; copy only the virtualenv into a slim image that runs as a fixed non-root user and writes
# nowhere but /data (the journal and keys) and /tmp. See docs/serve.md, "Deployment".
ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY aixgo_cli ./aixgo_cli
RUN python -m pip wheel --no-deps --wheel-dir /dist .

FROM ${PYTHON_IMAGE} AS install
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY requirements/runtime.lock /tmp/runtime.lock
# Every dependency from the lock, each checked against its recorded hash; then aixgo itself, which needs
# nothing more (--no-deps). Bytecode is compiled here because the final image's root is read-only.
RUN python -m venv /opt/aixgo \
 && /opt/aixgo/bin/pip install --require-hashes --no-deps --requirement /tmp/runtime.lock
COPY --from=build /dist/ /dist/
RUN /opt/aixgo/bin/pip install --no-deps /dist/*.whl \
 && /opt/aixgo/bin/python -m compileall -q /opt/aixgo

FROM ${PYTHON_IMAGE} AS runtime
# A fixed uid/gid, so volume ownership and the Kubernetes securityContext (runAsUser: 10001) agree.
RUN groupadd --system --gid 10001 aixgo \
 && useradd --system --uid 10001 --gid 10001 --home-dir /data --no-create-home --shell /usr/sbin/nologin aixgo \
 && mkdir -p /data /workflows \
 && chown 10001:10001 /data
COPY --from=install /opt/aixgo /opt/aixgo
ENV PATH=/opt/aixgo/bin:$PATH \
    AIXGO_HOME=/data \
    HOME=/data \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHON_KEYRING_BACKEND=keyring.backends.fail.Keyring
VOLUME ["/data"]
WORKDIR /data
USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4)"]
ENTRYPOINT ["aixgo"]
CMD ["serve", "/workflows", "--host", "0.0.0.0"]

# One FotoGal binary in an image of its own: no base image, no shell, no
# key; only the static binary (CA roots compiled in) and an empty /data.
# scripts/images.sh (`make images`) compiles bin/static/ and builds all five:
#   docker build --build-arg SERVICE=user --build-arg PORT=9092 \
#     --build-arg METRICS_PORT=9192 -t fotogal/user .
#
# The ports, as a container needs them (every interface, not 127.0.0.1):
#   auth 9091, user 9092, image 9093, feed 9094 (gRPC), gateway 8080 (HTTP);
#   metrics on 9190 + the last digit (gateway 9190, auth 9191, ...).
# Each binary reads the one listen address it knows, FOTOGAL_GRPC_ADDR for a
# service and FOTOGAL_HTTP_ADDR for the gateway, so both are set to PORT.
# The addresses of the other services (FOTOGAL_AUTH_ADDR, ...) and the
# credential (FOTOGAL_SERVICE_SECRET or FOTOGAL_SERVICE_SECRET_FILE) come
# from the deployment.
FROM scratch

ARG SERVICE
ARG PORT
ARG METRICS_PORT

COPY bin/static/${SERVICE} /fotogal
# An empty directory owned by the service's user: a fresh volume mounted on
# /data takes its ownership, so the service can write there. No VOLUME: the
# gateway keeps nothing, and Compose and Kubernetes mount /data where a
# service does, so an anonymous volume would only be left behind.
COPY --chown=65532:65532 bin/static/data /data

ENV FOTOGAL_GRPC_ADDR=:${PORT} \
    FOTOGAL_HTTP_ADDR=:${PORT} \
    FOTOGAL_METRICS_ADDR=:${METRICS_PORT} \
    FOTOGAL_DATA_DIR=/data
EXPOSE ${PORT} ${METRICS_PORT}
USER 65532:65532

# `/fotogal healthcheck` checks the binary's own gRPC health (the gateway:
# its /healthz) within 3 s; Docker's first check runs one interval after
# the start.
HEALTHCHECK --interval=5s --timeout=5s --start-period=30s --retries=3 \
    CMD ["/fotogal", "healthcheck"]
ENTRYPOINT ["/fotogal"]

# Last, so that a new revision leaves the layers above cached.
ARG DESCRIPTION="FotoGal ${SERVICE} service"
ARG REVISION=unknown
ARG VERSION=unknown
ARG SOURCE=https://github.com/fotogal/fotogal

LABEL org.opencontainers.image.title="fotogal-${SERVICE}" \
      org.opencontainers.image.description="${DESCRIPTION}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.version="${VERSION}"

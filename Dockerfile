# One FotoGal binary in an image of its own, built on the static binary that
# `make images` compiles (CGO_ENABLED=0): no base image, no shell, no key.
#   buildah --storage-driver vfs bud --isolation chroot --build-arg SERVICE=user -t fotogal/user .
FROM scratch
ARG SERVICE
COPY bin/static/${SERVICE} /fotogal
USER 65532:65532
ENV FOTOGAL_DATA_DIR=/data
ENTRYPOINT ["/fotogal"]

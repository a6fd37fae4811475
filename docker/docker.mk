# Checks the Docker set-up (image, make test inside it, the demo across
# containers). Needs a Docker engine, or root on Debian to set up Podman.
.PHONY: docker-check
docker-check:
	sh docker/check.sh

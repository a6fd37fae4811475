#!/bin/sh
# Checks that the container set-up works: builds the image, runs `make test`
# inside it through compose (on this tree, mounted), and runs the demo across
# containers. For CI and tests only: on a machine with no Docker engine it
# sets one up with ../shared/tools/container-engine.sh (Podman, a local
# debian:bookworm image, a Docker-compatible socket). The kit itself needs
# nothing but plain Docker.
# shellcheck disable=SC2086 # $compose is one or two words
set -eu
cd "$(dirname "$0")/.."
engine=${CONTAINER_ENGINE_SCRIPT:-../shared/tools/container-engine.sh}

if [ -z "${DOCKER_HOST:-}" ] && ! docker info >/dev/null 2>&1; then
	[ -f "$engine" ] || { echo "docker-check: no Docker engine and no $engine" >&2; exit 1; }
	bash "$engine"
	export DOCKER_HOST=unix:///run/podman/podman.sock
	# Podman's CNI networks resolve service names only with this plugin;
	# Docker does it by itself.
	if [ ! -e /usr/lib/cni/dnsname ]; then
		apt-get install -y -qq golang-github-containernetworking-plugin-dnsname >/dev/null
	fi
fi
# One or two words, split on purpose below: docker-compose (v1) or docker compose.
compose="docker-compose"
command -v docker-compose >/dev/null 2>&1 || compose="docker compose"

cleanup() { $compose down -t 5 >/dev/null 2>&1 || true; }
trap cleanup EXIT
cleanup

echo "docker-check: building the image"
$compose build lab

echo "docker-check: make test in the lab container"
# The tree here belongs to whoever cloned it: run as that user.
CHATLAB_UID=$(id -u) CHATLAB_GID=$(id -g) timeout 900 $compose run --rm lab make test

echo "docker-check: the demo, one container per program"
mkdir -p build
timeout 300 $compose run --rm demo > build/docker-demo.log
cat build/docker-demo.log
alice=$($compose logs --no-color alice)
echo "$alice"
grep -q "bob sees: alice: hello bob" build/docker-demo.log
echo "$alice" | grep -q "alice sees: bob: hello alice"
echo "docker-check: messages crossed between containers"

echo "docker-check: make test from the unpacked student handout"
make -s handout >/dev/null
rm -rf build/handout-docker && mkdir -p build/handout-docker
tar -xzf build/chatlab-handout.tar.gz -C build/handout-docker
(cd build/handout-docker/chatlab && ! grep -q grader compose.yaml &&
	CHATLAB_UID=$(id -u) CHATLAB_GID=$(id -g) timeout 900 $compose run --rm lab make test &&
	$compose down -t 5 >/dev/null 2>&1)

echo "docker-check: the grader in a container, on two samples"
python3 grader/samples.py build/samples >/dev/null
rm -rf submissions grades && mkdir submissions
cp build/samples/solution.tar.gz submissions/ && cp -r build/samples/skeleton submissions/
CHATLAB_UID=$(id -u) CHATLAB_GID=$(id -g) timeout 300 $compose run --rm grader
full=$(python3 -c 'import json; print("%g" % sum(t["points"] for t in json.load(open("tests/rubric.json"))["tests"]))')
grep -q "^solution,$full," grades/grades.csv
grep -q '^skeleton,0,' grades/grades.csv
rm -rf submissions grades
echo "docker-check: all passed"

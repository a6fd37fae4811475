"""The sandbox that student code runs in.

With bubblewrap: an allow-listed, read-only view of the system (/usr, /etc)
plus the submission's own work directory, a private /tmp, its own PID
namespace (everything dies with it), no capabilities, an unprivileged uid per
job slot, and resource limits. The whole grading of a submission also runs
in its own network namespace with only loopback, so parallel jobs never
collide on ports and nothing can leave the machine.

Without bubblewrap (an unprivileged container, say): resource limits, the
unprivileged uid when we are root, process-group kills and timeouts.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

# Job slot k runs as uid BASE_UID + k: unused uids, distinct for every grader
# process on the machine, so no two jobs share process limits or kills.
BASE_UID = 100000 + (os.getpid() % 20000) * 16

LIMITS = ["--nproc=512", "--cpu=300", "--fsize=67108864", "--nofile=4096",
          "--core=0"]
# Address space for plain programs. ThreadSanitizer and valgrind reserve far
# more than they use, so the checks that run them get a prefix without it.
MEMORY = "--as=4294967296"


def bwrap_works() -> bool:
    if shutil.which("bwrap") is None:
        return False
    probe = subprocess.run(["bwrap", "--ro-bind", "/", "/", "--unshare-pid",
                            "--dev", "/dev", "--proc", "/proc", "true"],
                           capture_output=True, timeout=20)
    return probe.returncode == 0


def netns_works() -> bool:
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "--net", "true"], capture_output=True, timeout=20)
    return probe.returncode == 0


def isolation(use_bwrap: bool, use_netns: bool) -> str:
    if use_bwrap and use_netns:
        return ("bubblewrap (read-only system view, own PID namespace, no "
                "capabilities, unprivileged uid, rlimits) in a network namespace "
                "with loopback only")
    parts = ["rlimits", "process-group kills", "timeouts"]
    if os.geteuid() == 0:
        parts.insert(0, "unprivileged uid")
    if use_netns:
        parts.append("a network namespace with loopback only")
    return "fallback: " + ", ".join(parts) + " (bubblewrap unavailable)"


def prefix(work: Path, slot: int, use_bwrap: bool, memory: bool = True) -> list[str]:
    """The words put before every command that runs student code; memory
    False leaves out the address-space limit (for sanitizers, valgrind)."""
    uid = str(BASE_UID + slot)
    drop = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups"] \
        if os.geteuid() == 0 else []
    limits = ["prlimit", *LIMITS, *([MEMORY] if memory else []), "--"]
    if not use_bwrap:
        return drop + limits
    w = str(work)
    return ["bwrap", "--die-with-parent", "--new-session", "--unshare-pid",
            "--unshare-ipc", "--unshare-uts",
            "--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc",
            "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
            "--symlink", "usr/bin", "/bin", "--symlink", "usr/sbin", "/sbin",
            "--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--tmpfs", "/tmp",
            "--bind", w, w, *drop, *limits]


def in_netns(cmd: list[str]) -> list[str]:
    """cmd in a fresh network namespace whose only interface is loopback."""
    return ["unshare", "--net", "sh", "-c", 'ip link set lo up && exec "$@"', "sh", *cmd]


def hand_over(work: Path, slot: int) -> None:
    """Gives the work directory to the job's unprivileged uid."""
    if os.geteuid() != 0:
        return
    uid = BASE_UID + slot
    for path in [work, *work.rglob("*")]:
        os.lchown(path, uid, uid)


def kill_uid(slot: int) -> None:
    """Last resort in fallback mode: kill every process of the job's uid."""
    if os.geteuid() == 0:
        subprocess.run(["pkill", "-KILL", "-U", str(BASE_UID + slot)],
                       capture_output=True, timeout=20)

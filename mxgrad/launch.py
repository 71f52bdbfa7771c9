"""Start N local worker processes of a training script under MPI.

    python -m mxgrad.launch -n 2 examples/train_digits.py --kvstore dist_sync

runs ``mpiexec -n 2 <this python> examples/train_digits.py --kvstore dist_sync``, with the
``mpiexec`` of the MPI that mpi4py uses (the pip ``mpich`` package's, next to this Python,
else the first on PATH). Each rank gets an equal share of the machine's cores: unless they
are set already, ``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS`` and PoCL's
``POCL_MAX_PTHREAD_COUNT`` are set to cores // N (at least 1), so that N ranks do not fight
over the same cores. The ranks share mxgrad's and PoCL's kernel caches: mxgrad compiles a
missing program under a lock in its cache folder, so ranks starting together compile it once.

Plain ``mpiexec -n N python train.py`` works as well; this helper only finds mpiexec,
checks that mpi4py is there, and sets the thread counts.
"""
import argparse
import importlib.util
import os
import shutil
import subprocess
import sys

__all__ = ["find_mpiexec", "worker_command", "worker_env", "main"]

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "POCL_MAX_PTHREAD_COUNT")


class LaunchError(Exception):
    """What stops the launch, told in one line."""


def find_mpiexec(explicit=None):
    """The mpiexec to use: ``explicit``, else the one next to this Python (a venv's, where
    pip's ``mpich`` puts it), else ``mpiexec``/``mpirun`` on PATH; LaunchError if none.

    >>> from mxgrad.launch import find_mpiexec
    >>> find_mpiexec('/bin/sh')
    '/bin/sh'
    """
    if explicit:
        if not (os.path.isfile(explicit) and os.access(explicit, os.X_OK)):
            raise LaunchError(f"--mpiexec {explicit}: no such executable")
        return explicit
    here = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    if os.path.isfile(here) and os.access(here, os.X_OK):
        return here
    for name in ("mpiexec", "mpirun"):
        found = shutil.which(name)
        if found:
            return found
    raise LaunchError("no mpiexec found (next to this Python or on PATH): install MPI with "
                      "pip install 'mxgrad[dist]' (mpi4py and mpich)")


def worker_env(n, env=None, cores=None):
    """The environment of the workers: ``env`` (default os.environ) with each of
    OMP_NUM_THREADS, OPENBLAS_NUM_THREADS and POCL_MAX_PTHREAD_COUNT set to ``cores // n``
    (at least 1) where it is not set already.

    >>> from mxgrad.launch import worker_env
    >>> worker_env(2, env={}, cores=2)['POCL_MAX_PTHREAD_COUNT']
    '1'
    >>> worker_env(2, env={'OMP_NUM_THREADS': '4'}, cores=8)['OMP_NUM_THREADS']
    '4'
    """
    env = dict(os.environ if env is None else env)
    share = str(max(1, (cores or os.cpu_count() or 1) // n))
    for name in THREAD_VARIABLES:
        env.setdefault(name, share)
    return env


def worker_command(n, program, mpiexec, python=None):
    """The command line that starts ``n`` ranks of ``program`` (a script and its
    arguments).

    >>> from mxgrad.launch import worker_command
    >>> worker_command(2, ['train.py', '--kvstore', 'dist_sync'], 'mpiexec', 'python')
    ['mpiexec', '-n', '2', 'python', 'train.py', '--kvstore', 'dist_sync']
    """
    return [mpiexec, "-n", str(n), python or sys.executable, *program]


def _parser():
    ap = argparse.ArgumentParser(
        prog="python -m mxgrad.launch",
        description="Run N local worker processes of a training script under MPI "
                    "(for mx.kv.create('dist_sync')).")
    ap.add_argument("-n", "--num-workers", type=int, required=True, metavar="N",
                    help="how many worker processes (ranks)")
    ap.add_argument("--mpiexec", default=None, help="the mpiexec to use (default: found)")
    ap.add_argument("program", nargs=argparse.REMAINDER,
                    help="the script and its arguments")
    return ap


def main(argv=None):
    """Parse the command line, start the workers, wait for them; returns mpiexec's exit
    status (2 with a one-line error when the launch cannot start).

    >>> from mxgrad.launch import main
    >>> main(['-n', '0', 'train.py'])      # the error line goes to stderr
    2
    """
    ap = _parser()
    args = ap.parse_args(argv)
    try:
        if args.num_workers < 1:
            raise LaunchError(f"-n must be at least 1, got {args.num_workers}")
        if not args.program:
            raise LaunchError("no script given: python -m mxgrad.launch -n N script.py [args]")
        if importlib.util.find_spec("mpi4py") is None:
            raise LaunchError("mpi4py is not installed: pip install 'mxgrad[dist]' (mpi4py "
                              "and mpich)")
        mpiexec = find_mpiexec(args.mpiexec)
    except LaunchError as e:
        print(f"{ap.prog}: error: {e}", file=sys.stderr)
        return 2
    command = worker_command(args.num_workers, args.program, mpiexec)
    try:
        return subprocess.call(command, env=worker_env(args.num_workers))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())

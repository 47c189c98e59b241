"""Run a script or a module on the CuPy stand-in: what ``python ARGS...`` does, except that
``import cupy`` gives the stand-in.

    python tests/fake_cupy/launch.py examples/dcgan_mnist.py --device cuda --epochs 1
    python tests/fake_cupy/launch.py -m minigan sample runs/x/checkpoint.npz --device cuda

With ``MINIGAN_FAKE_CUPY_TRANSFERS=FILE`` set, the host transfers the run made are written to
FILE as JSON when it ends (``{"to_host": [[nbytes, where], ...], "to_device": [...]}``).
"""
import importlib.util
import json
import os
import runpy
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def load_stand_in():
    """The stand-in package, loaded from its folder (it is not on any import path)."""
    if "fake_cupy" in sys.modules:
        return sys.modules["fake_cupy"]
    spec = importlib.util.spec_from_file_location(
        "fake_cupy", os.path.join(HERE, "__init__.py"), submodule_search_locations=[HERE])
    package = importlib.util.module_from_spec(spec)
    sys.modules["fake_cupy"] = package
    spec.loader.exec_module(package)
    return package


def main(args) -> None:
    if not args or args == ["-m"]:
        sys.exit("usage: launch.py SCRIPT [ARGS...] | launch.py -m MODULE [ARGS...]")
    stand_in = load_stand_in()
    stand_in.install()
    report = os.environ.get("MINIGAN_FAKE_CUPY_TRANSFERS")
    try:
        if args[0] == "-m":  # as `python -m`: the working folder first on the path
            sys.argv, sys.path[0] = args[1:], os.getcwd()
            runpy.run_module(args[1], run_name="__main__", alter_sys=True)
        else:  # as `python script.py`: the script's folder first on the path
            sys.argv, sys.path[0] = list(args), os.path.dirname(os.path.abspath(args[0]))
            runpy.run_path(args[0], run_name="__main__")
    finally:
        if report:
            with open(report, "w") as f:
                json.dump({"to_host": stand_in.TRANSFERS.to_host,
                           "to_device": stand_in.TRANSFERS.to_device}, f)


if __name__ == "__main__":
    main(sys.argv[1:])

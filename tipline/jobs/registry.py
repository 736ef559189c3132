"""The job decorator and the table of job names to functions."""

import importlib

# Modules that define jobs; imported on first look-up so a worker knows them all.
JOB_MODULES = (
    "tipline.evidence.jobs",
    "cases.notices",
    "tipline.organisations.mail",
    "tipline.organisations.batch",
    "tipline.figures.rollup",
    "cases.periodic.service",
    "tipline.followup.jobs",
    "cases.junk_filter.learn",
    "cases.matching.service",
)

_HANDLERS = {}
_loaded = False


def job(name):
    """Register `func(payload)` as the job called `name`.

    Jobs receive ids in their payload, never ORM objects, run inside a
    transaction the runner commits, and must do no harm when run twice.
    """

    def register(func):
        _HANDLERS[name] = func
        return func

    return register


def load_job_modules():
    """Import every module that defines jobs (once). A worker does it before it forks a work horse per job,
    so that no job pays for importing its module and what that imports (numpy, scipy, scikit-learn)."""
    global _loaded
    if not _loaded:
        for module in JOB_MODULES:
            importlib.import_module(module)
        _loaded = True


def handler_for(name):
    """The function registered under `name`; KeyError if there is none."""
    load_job_modules()
    return _HANDLERS[name]

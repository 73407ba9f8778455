"""One way in for problems: every source becomes a ``ProblemSpec`` saved by ``problem_save``.

* ``bank.py`` — a bank folder (``fixtures/problems/<code>/`` or a zip uploaded in the admin), and
  the writer that turns a problem back into such a folder;
* ``mercury.py``, ``humaneval.py`` — public datasets;
* ``open_data.py`` — the problems of another CodeArena's open-data export (the export itself is
  ``arena/services/open_data.py``: export is not ingest; both follow ``open_data_tables.py``);
* ``archive.py`` — bank folders as zip files, and the checks an uploaded zip passes first;
* ``spec.py`` (what a problem is made of, the errors, the outcomes), ``sandbox.py`` (running
  dataset code in the jail) and ``save.py`` (the one save routine) are shared by all of them.
"""

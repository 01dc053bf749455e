"""The read side: what pages, the JSON API, the CLI and digests show, loaded one way.

`works` loads works as list rows, `lists` the daily and trending lists, `people` who a
profile is about. Views (web, CLI, mail) adapt these records for display only.
"""

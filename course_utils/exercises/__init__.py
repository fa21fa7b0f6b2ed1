"""Per-lesson exercise checkers: `from course_utils.exercises import lesson01 as ex`.

Each module chooses the inputs and the typical mistakes for its lesson's exercises and hands
the comparison to `course_utils.checks`.
"""

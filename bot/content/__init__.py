"""Loading and checking content: FAQ Markdown files, synonyms and intent phrasings.

Loading never raises on bad content: it returns what it could read plus a list of problems, each
with a file and a line, so an editor knows exactly what to fix.
"""

"""The auditors' dashboard (issue 5): server-rendered pages with inline SVG, served by the API app."""

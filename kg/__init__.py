"""rectkg: Chinese government rectification reports → an RDF knowledge graph.

The pipeline, one module per step::

    ingest → normalise → structure → extract → resolve → rdf → store → query / analyse / views / export

>>> from kg import __version__
>>> isinstance(__version__, str)
True
"""
__version__ = "0.1.0"

"""The doors of SXVİS: the Starlette app (composition root) and one module per door.

GraphQL over HTTP and websockets, the FHIR view, the Justice webhook, metrics and GraphiQL. The domain
packages beside this one know nothing of HTTP.
"""

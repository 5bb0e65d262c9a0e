"""schema.org in HTML (JSON-LD, microdata, RDFa): the `schemaorg` adapter (adapter), the nodes it finds, their
fields, schedules, and the listings built from them."""

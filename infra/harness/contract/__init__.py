"""OpenAPI contracts: drift, breaking changes, and the live check.

Kept free of imports: drift runs inside service venvs with only ruamel.yaml.
"""

"""The catalog of public credit information (公共信用信息目录, R-2.1) and display periods (R-4.2).

Rules are data: items, display rules and penalty regimes are YAML files in `data/`, plus the
operator's folder, loaded and checked at start-up. Use:

* `loader.load_catalog(extra_dir)` → `schema.Catalog` (raises `yamlsource.CatalogError`);
* `Catalog.item(code, on)`, `Catalog.items(on)`, `Catalog.versions(code)`;
* `schema.validate_fields(item, content)` and `schema.check_min_age(...)` for ingestion;
* `Catalog.display_period(item, content)` or `periods.display_period(...)` for display periods.

Modules are imported where they are used, so that importing this package stays cheap.
"""

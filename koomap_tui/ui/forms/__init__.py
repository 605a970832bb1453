"""The console's modal forms, all built on `forms.base.FormScreen`."""

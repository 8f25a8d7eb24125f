"""Customers (your end users, by customer_identifier): usage, budgets."""

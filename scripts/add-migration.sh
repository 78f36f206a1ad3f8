#!/usr/bin/env bash
# Adds a migration with the same name for both providers: scripts/add-migration.sh AddSomething
# Each provider keeps its migrations in its own assembly (src/TechLink.Data.Sqlite, src/TechLink.Data.Postgres), whose
# design-time factory builds the model, so the project is its own startup project.
set -euo pipefail
name=${1:?usage: scripts/add-migration.sh MigrationName}
cd "$(dirname "$0")/.."
export PATH="$PATH:$HOME/.dotnet/tools"
command -v dotnet-ef >/dev/null || dotnet tool install --global dotnet-ef --version 10.0.15
dotnet ef migrations add "$name" --project src/TechLink.Data.Sqlite --startup-project src/TechLink.Data.Sqlite --context SqliteTechLinkDbContext --output-dir Migrations --namespace TechLink.Data.Sqlite.Migrations
dotnet ef migrations add "$name" --project src/TechLink.Data.Postgres --startup-project src/TechLink.Data.Postgres --context PostgresTechLinkDbContext --output-dir Migrations --namespace TechLink.Data.Postgres.Migrations

#!/usr/bin/env bash
# Adds a migration with the same name for both providers: scripts/add-migration.sh AddSomething
set -euo pipefail
name=${1:?usage: scripts/add-migration.sh MigrationName}
cd "$(dirname "$0")/.."
export PATH="$PATH:$HOME/.dotnet/tools"
command -v dotnet-ef >/dev/null || dotnet tool install --global dotnet-ef --version 10.0.15
dotnet ef migrations add "$name" --project src/TechLink.Server --context SqliteTechLinkDbContext --output-dir Data/Migrations/Sqlite
dotnet ef migrations add "$name" --project src/TechLink.Server --context PostgresTechLinkDbContext --output-dir Data/Migrations/Postgres --no-build

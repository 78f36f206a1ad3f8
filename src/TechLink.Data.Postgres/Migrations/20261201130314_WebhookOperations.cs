using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace TechLink.Data.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class WebhookOperations : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "credentials_changed_at",
                table: "webhook_registrations",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "description",
                table: "webhook_registrations",
                type: "character varying(200)",
                maxLength: 200,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "disabled_at",
                table: "webhook_registrations",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "disabled_reason",
                table: "webhook_registrations",
                type: "character varying(500)",
                maxLength: 500,
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "paused",
                table: "webhook_registrations",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<string>(
                name: "subject_key",
                table: "outbox_messages",
                type: "character varying(100)",
                maxLength: 100,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "trace_parent",
                table: "outbox_messages",
                type: "character varying(100)",
                maxLength: 100,
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "is_test",
                table: "deliveries",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<int>(
                name: "last_status_code",
                table: "deliveries",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "replay_id",
                table: "deliveries",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "sequence",
                table: "deliveries",
                type: "bigint",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "audit_entries",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    company_id = table.Column<long>(type: "bigint", nullable: true),
                    at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    actor = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    action = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    target_type = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                    target_id = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                    changes = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_audit_entries", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "endpoint_health",
                columns: table => new
                {
                    endpoint_id = table.Column<long>(type: "bigint", nullable: false),
                    consecutive_failed_deliveries = table.Column<int>(type: "integer", nullable: false),
                    failing_since = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    last_success_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    last_failure_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    auth_rejected_since = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_endpoint_health", x => x.endpoint_id);
                });

            migrationBuilder.CreateTable(
                name: "endpoint_sequences",
                columns: table => new
                {
                    endpoint_id = table.Column<long>(type: "bigint", nullable: false),
                    subject_key = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    value = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_endpoint_sequences", x => new { x.endpoint_id, x.subject_key });
                });

            migrationBuilder.CreateTable(
                name: "endpoint_stats",
                columns: table => new
                {
                    endpoint_id = table.Column<long>(type: "bigint", nullable: false),
                    bucket_start = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    attempts = table.Column<int>(type: "integer", nullable: false),
                    succeeded = table.Column<int>(type: "integer", nullable: false),
                    d0 = table.Column<int>(type: "integer", nullable: false),
                    d1 = table.Column<int>(type: "integer", nullable: false),
                    d2 = table.Column<int>(type: "integer", nullable: false),
                    d3 = table.Column<int>(type: "integer", nullable: false),
                    d4 = table.Column<int>(type: "integer", nullable: false),
                    d5 = table.Column<int>(type: "integer", nullable: false),
                    d6 = table.Column<int>(type: "integer", nullable: false),
                    d7 = table.Column<int>(type: "integer", nullable: false),
                    d8 = table.Column<int>(type: "integer", nullable: false),
                    d9 = table.Column<int>(type: "integer", nullable: false),
                    d10 = table.Column<int>(type: "integer", nullable: false),
                    d11 = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_endpoint_stats", x => new { x.endpoint_id, x.bucket_start });
                });

            migrationBuilder.CreateTable(
                name: "webhook_replays",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    company_id = table.Column<long>(type: "bigint", nullable: false),
                    webhook_id = table.Column<long>(type: "bigint", nullable: false),
                    since = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    until = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    only_failed = table.Column<bool>(type: "boolean", nullable: false),
                    queued = table.Column<int>(type: "integer", nullable: false),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_webhook_replays", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_outbox_messages_created_at",
                table: "outbox_messages",
                column: "created_at");

            migrationBuilder.CreateIndex(
                name: "ix_outbox_messages_tenant_id_created_at",
                table: "outbox_messages",
                columns: new[] { "tenant_id", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ix_deliveries_created_at",
                table: "deliveries",
                column: "created_at");

            migrationBuilder.CreateIndex(
                name: "ix_deliveries_endpoint_id_created_at",
                table: "deliveries",
                columns: new[] { "endpoint_id", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ix_deliveries_replay_id",
                table: "deliveries",
                column: "replay_id");

            migrationBuilder.CreateIndex(
                name: "ix_deliveries_tenant_id_created_at",
                table: "deliveries",
                columns: new[] { "tenant_id", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ix_audit_entries_at",
                table: "audit_entries",
                column: "at");

            migrationBuilder.CreateIndex(
                name: "ix_audit_entries_company_id_at",
                table: "audit_entries",
                columns: new[] { "company_id", "at" });

            migrationBuilder.CreateIndex(
                name: "ix_endpoint_stats_bucket_start",
                table: "endpoint_stats",
                column: "bucket_start");

            migrationBuilder.CreateIndex(
                name: "ix_webhook_replays_company_id_id",
                table: "webhook_replays",
                columns: new[] { "company_id", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_webhook_replays_webhook_id",
                table: "webhook_replays",
                column: "webhook_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "audit_entries");

            migrationBuilder.DropTable(
                name: "endpoint_health");

            migrationBuilder.DropTable(
                name: "endpoint_sequences");

            migrationBuilder.DropTable(
                name: "endpoint_stats");

            migrationBuilder.DropTable(
                name: "webhook_replays");

            migrationBuilder.DropIndex(
                name: "ix_outbox_messages_created_at",
                table: "outbox_messages");

            migrationBuilder.DropIndex(
                name: "ix_outbox_messages_tenant_id_created_at",
                table: "outbox_messages");

            migrationBuilder.DropIndex(
                name: "ix_deliveries_created_at",
                table: "deliveries");

            migrationBuilder.DropIndex(
                name: "ix_deliveries_endpoint_id_created_at",
                table: "deliveries");

            migrationBuilder.DropIndex(
                name: "ix_deliveries_replay_id",
                table: "deliveries");

            migrationBuilder.DropIndex(
                name: "ix_deliveries_tenant_id_created_at",
                table: "deliveries");

            migrationBuilder.DropColumn(
                name: "credentials_changed_at",
                table: "webhook_registrations");

            migrationBuilder.DropColumn(
                name: "description",
                table: "webhook_registrations");

            migrationBuilder.DropColumn(
                name: "disabled_at",
                table: "webhook_registrations");

            migrationBuilder.DropColumn(
                name: "disabled_reason",
                table: "webhook_registrations");

            migrationBuilder.DropColumn(
                name: "paused",
                table: "webhook_registrations");

            migrationBuilder.DropColumn(
                name: "subject_key",
                table: "outbox_messages");

            migrationBuilder.DropColumn(
                name: "trace_parent",
                table: "outbox_messages");

            migrationBuilder.DropColumn(
                name: "is_test",
                table: "deliveries");

            migrationBuilder.DropColumn(
                name: "last_status_code",
                table: "deliveries");

            migrationBuilder.DropColumn(
                name: "replay_id",
                table: "deliveries");

            migrationBuilder.DropColumn(
                name: "sequence",
                table: "deliveries");
        }
    }
}

using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TechLink.Data.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class IdMarks : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_outbox_messages_tenant_id_created_at",
                table: "outbox_messages");

            migrationBuilder.DropIndex(
                name: "ix_deliveries_endpoint_id_created_at",
                table: "deliveries");

            migrationBuilder.DropIndex(
                name: "ix_deliveries_tenant_id_created_at",
                table: "deliveries");

            migrationBuilder.CreateTable(
                name: "id_marks",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    recorded_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    delivery_id = table.Column<long>(type: "INTEGER", nullable: false),
                    event_id = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_id_marks", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_id_marks_recorded_at",
                table: "id_marks",
                column: "recorded_at");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "id_marks");

            migrationBuilder.CreateIndex(
                name: "ix_outbox_messages_tenant_id_created_at",
                table: "outbox_messages",
                columns: new[] { "tenant_id", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ix_deliveries_endpoint_id_created_at",
                table: "deliveries",
                columns: new[] { "endpoint_id", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ix_deliveries_tenant_id_created_at",
                table: "deliveries",
                columns: new[] { "tenant_id", "created_at" });
        }
    }
}

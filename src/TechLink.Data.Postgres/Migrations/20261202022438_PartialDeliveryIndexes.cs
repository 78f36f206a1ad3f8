using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TechLink.Data.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class PartialDeliveryIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_deliveries_endpoint_id_status_next_attempt_at",
                table: "deliveries");

            migrationBuilder.DropIndex(
                name: "ix_deliveries_redelivery_of_id",
                table: "deliveries");

            migrationBuilder.DropIndex(
                name: "ix_deliveries_replay_id",
                table: "deliveries");

            migrationBuilder.DropIndex(
                name: "ix_deliveries_status_next_attempt_at",
                table: "deliveries");

            migrationBuilder.CreateIndex(
                name: "ix_deliveries_endpoint_id_status_next_attempt_at",
                table: "deliveries",
                columns: new[] { "endpoint_id", "status", "next_attempt_at" },
                filter: "status = 0");

            migrationBuilder.CreateIndex(
                name: "ix_deliveries_redelivery_of_id",
                table: "deliveries",
                column: "redelivery_of_id",
                filter: "redelivery_of_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_deliveries_replay_id",
                table: "deliveries",
                column: "replay_id",
                filter: "replay_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_deliveries_status_next_attempt_at",
                table: "deliveries",
                columns: new[] { "status", "next_attempt_at" },
                filter: "status = 0");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_deliveries_endpoint_id_status_next_attempt_at",
                table: "deliveries");

            migrationBuilder.DropIndex(
                name: "ix_deliveries_redelivery_of_id",
                table: "deliveries");

            migrationBuilder.DropIndex(
                name: "ix_deliveries_replay_id",
                table: "deliveries");

            migrationBuilder.DropIndex(
                name: "ix_deliveries_status_next_attempt_at",
                table: "deliveries");

            migrationBuilder.CreateIndex(
                name: "ix_deliveries_endpoint_id_status_next_attempt_at",
                table: "deliveries",
                columns: new[] { "endpoint_id", "status", "next_attempt_at" });

            migrationBuilder.CreateIndex(
                name: "ix_deliveries_redelivery_of_id",
                table: "deliveries",
                column: "redelivery_of_id");

            migrationBuilder.CreateIndex(
                name: "ix_deliveries_replay_id",
                table: "deliveries",
                column: "replay_id");

            migrationBuilder.CreateIndex(
                name: "ix_deliveries_status_next_attempt_at",
                table: "deliveries",
                columns: new[] { "status", "next_attempt_at" });
        }
    }
}

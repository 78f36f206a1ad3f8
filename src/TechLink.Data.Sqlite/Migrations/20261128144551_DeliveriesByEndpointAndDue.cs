using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TechLink.Data.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class DeliveriesByEndpointAndDue : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "ix_deliveries_endpoint_id_status_next_attempt_at",
                table: "deliveries",
                columns: new[] { "endpoint_id", "status", "next_attempt_at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_deliveries_endpoint_id_status_next_attempt_at",
                table: "deliveries");
        }
    }
}

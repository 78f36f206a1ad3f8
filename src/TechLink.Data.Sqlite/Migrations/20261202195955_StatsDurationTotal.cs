using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TechLink.Data.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class StatsDurationTotal : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "duration_ms_total",
                table: "endpoint_stats",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            // The buckets kept (two days) get their attempts' durations from the attempts, through the index on their start
            // before it goes: the portal's chart reads its mean latency from the buckets from now on.
            migrationBuilder.Sql("""
                UPDATE endpoint_stats SET duration_ms_total = COALESCE((
                    SELECT SUM(a.duration_ms) FROM delivery_attempts AS a JOIN deliveries AS d ON d.id = a.delivery_id
                    WHERE d.endpoint_id = endpoint_stats.endpoint_id AND d.is_test = 0
                      AND a.started_at >= endpoint_stats.bucket_start AND a.started_at < datetime(endpoint_stats.bucket_start, '+5 minutes')), 0);
                """);

            migrationBuilder.DropIndex(
                name: "ix_delivery_attempts_started_at",
                table: "delivery_attempts");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "duration_ms_total",
                table: "endpoint_stats");

            migrationBuilder.CreateIndex(
                name: "ix_delivery_attempts_started_at",
                table: "delivery_attempts",
                column: "started_at");
        }
    }
}

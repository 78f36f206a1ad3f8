using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TechLink.Data.Postgres.Migrations
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
                type: "bigint",
                nullable: false,
                defaultValue: 0L);

            // The buckets kept (two days) get their attempts' durations, summed once per endpoint and five-minute window over
            // the attempts since the oldest bucket (read through the index on their start, before it goes; test sends left
            // out, as the dispatcher leaves them out of its buckets). The portal's chart reads its mean latency from them.
            migrationBuilder.Sql("""
                UPDATE endpoint_stats AS s SET duration_ms_total = w.total
                FROM (SELECT d.endpoint_id, date_bin(interval '5 minutes', a.started_at, timestamptz '2000-01-01 00:00:00+00') AS bucket_start,
                             SUM(a.duration_ms) AS total
                      FROM delivery_attempts AS a JOIN deliveries AS d ON d.id = a.delivery_id
                      WHERE a.started_at >= (SELECT MIN(bucket_start) FROM endpoint_stats) AND NOT d.is_test
                      GROUP BY 1, 2) AS w
                WHERE s.endpoint_id = w.endpoint_id AND s.bucket_start = w.bucket_start;
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

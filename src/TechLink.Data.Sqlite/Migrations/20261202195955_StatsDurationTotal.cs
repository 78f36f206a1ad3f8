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

            // The buckets kept (two days) get their attempts' durations, summed once per endpoint and five-minute window over
            // the attempts since the oldest bucket (read through the index on their start, before it goes; test sends left
            // out, as the dispatcher leaves them out of its buckets). The portal's chart reads its mean latency from them.
            // A window is written as EF Core writes a whole-minute instant: 'yyyy-MM-dd HH:mm:00'.
            migrationBuilder.Sql("""
                UPDATE endpoint_stats SET duration_ms_total = w.total
                FROM (SELECT d.endpoint_id AS endpoint_id,
                             strftime('%Y-%m-%d %H:', a.started_at) || printf('%02d', CAST(strftime('%M', a.started_at) AS INTEGER) / 5 * 5) || ':00' AS bucket_start,
                             SUM(a.duration_ms) AS total
                      FROM delivery_attempts AS a JOIN deliveries AS d ON d.id = a.delivery_id
                      WHERE a.started_at >= (SELECT MIN(bucket_start) FROM endpoint_stats) AND d.is_test = 0
                      GROUP BY 1, 2) AS w
                WHERE endpoint_stats.endpoint_id = w.endpoint_id AND endpoint_stats.bucket_start = w.bucket_start;
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

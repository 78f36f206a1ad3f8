using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TechLink.Data.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class RetentionByIdMarks : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Marks for the rows written before marks were recorded, so retention (which now walks ids up to the floor of its
            // cutoff instead of reading an index on created_at) deletes them on time. One mark per hour that has rows, and
            // one at the last whole hour before the bound: the mark at hour T holds the first id created at or after T,
            // minus one (the rows are read in one pass per table: each hour's smallest id, then the smallest of it and
            // every later hour's). The bound is a minute (the margin of IdMarks) before this migration, or before the
            // oldest transaction still open on another connection if that is older: a node not yet upgraded may be
            // writing rows whose ids are taken but not yet seen. Such a row may be created after an hour whose first id
            // seen is above its own, so every mark is also capped at the largest id created before the bound (taken
            // before that transaction began). A lower mark is only less tight.
            migrationBuilder.Sql("""
                INSERT INTO id_marks (recorded_at, delivery_id, event_id)
                WITH bound AS (SELECT LEAST(now(), COALESCE((SELECT MIN(xact_start) FROM pg_stat_activity
                                                             WHERE datname = current_database() AND pid <> pg_backend_pid()), now()))
                                      - interval '1 minute' AS t),
                     cap AS (SELECT COALESCE((SELECT MAX(id) FROM deliveries WHERE created_at < (SELECT t FROM bound)), 0) AS d,
                                    COALESCE((SELECT MAX(id) FROM outbox_messages WHERE created_at < (SELECT t FROM bound)), 0) AS e),
                     last AS (SELECT date_bin(interval '1 hour', t, timestamptz '2000-01-01 00:00:00+00') AS h FROM bound),
                     d AS (SELECT date_bin(interval '1 hour', created_at, timestamptz '2000-01-01 00:00:00+00') AS h, MIN(id) AS first FROM deliveries GROUP BY 1),
                     e AS (SELECT date_bin(interval '1 hour', created_at, timestamptz '2000-01-01 00:00:00+00') AS h, MIN(id) AS first FROM outbox_messages GROUP BY 1),
                     g AS (SELECT h FROM d UNION SELECT h FROM e UNION SELECT h FROM last),
                     s AS (SELECT g.h AS h, MIN(d.first) OVER w AS d_first, MIN(e.first) OVER w AS e_first
                           FROM g LEFT JOIN d ON d.h = g.h LEFT JOIN e ON e.h = g.h
                           WINDOW w AS (ORDER BY g.h DESC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW))
                SELECT h, LEAST(COALESCE(d_first - 1, (SELECT MAX(id) FROM deliveries), 0), (SELECT d FROM cap)),
                          LEAST(COALESCE(e_first - 1, (SELECT MAX(id) FROM outbox_messages), 0), (SELECT e FROM cap))
                FROM s WHERE h <= (SELECT h FROM last) AND EXISTS (SELECT 1 FROM outbox_messages)
                ORDER BY h;
                """);

            migrationBuilder.DropIndex(
                name: "ix_outbox_messages_created_at",
                table: "outbox_messages");

            migrationBuilder.DropIndex(
                name: "ix_deliveries_created_at",
                table: "deliveries");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "ix_outbox_messages_created_at",
                table: "outbox_messages",
                column: "created_at");

            migrationBuilder.CreateIndex(
                name: "ix_deliveries_created_at",
                table: "deliveries",
                column: "created_at");
        }
    }
}

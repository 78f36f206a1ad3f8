using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TechLink.Data.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class DeliveriesFillFactor : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Nothing on SQLite: the deliveries table's fillfactor is a PostgreSQL storage parameter.
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {

        }
    }
}

using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace TechLink.Data.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class ConcurrencyVersions : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "version",
                table: "work_orders",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<long>(
                name: "version",
                table: "work_order_tasks",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<long>(
                name: "version",
                table: "work_order_questions",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<long>(
                name: "version",
                table: "sites",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "version",
                table: "work_orders");

            migrationBuilder.DropColumn(
                name: "version",
                table: "work_order_tasks");

            migrationBuilder.DropColumn(
                name: "version",
                table: "work_order_questions");

            migrationBuilder.DropColumn(
                name: "version",
                table: "sites");
        }
    }
}

using Microsoft.EntityFrameworkCore;

namespace TechLink.Data.Sqlite;

/// <summary>The SQLite model: <see cref="TechLinkDbContext"/> with this assembly's migrations.</summary>
public sealed class SqliteTechLinkDbContext(DbContextOptions<SqliteTechLinkDbContext> options) : TechLinkDbContext(options);

using Microsoft.EntityFrameworkCore;

namespace TechLink.Data.Postgres;

/// <summary>The PostgreSQL model: <see cref="TechLinkDbContext"/> with this assembly's migrations.</summary>
public sealed class PostgresTechLinkDbContext(DbContextOptions<PostgresTechLinkDbContext> options) : TechLinkDbContext(options);

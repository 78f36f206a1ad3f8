namespace TechLink.Data;

/// <summary>The databases TechLink runs on (<c>TechLink:Database:Provider</c>); each is served by one <see cref="DataProvider"/>.</summary>
public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}

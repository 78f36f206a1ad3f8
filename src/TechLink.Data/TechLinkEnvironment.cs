namespace TechLink.Data;

/// <summary>Which environment a server runs as, and which one a database belongs to (<see cref="SystemSetting.EnvironmentKey"/>).</summary>
public enum TechLinkEnvironment
{
    Sandbox,
    Production,
}

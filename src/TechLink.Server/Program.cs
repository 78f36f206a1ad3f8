using TechLink.Server;

var builder = ServerSetup.CreateTechLinkBuilder(args);
builder.AddTechLink();
var app = builder.Build();
await app.InitializeTechLinkAsync();
app.MapTechLink();
await app.RunAsync();

/// <summary>The host; public so that functional tests can start it with WebApplicationFactory.</summary>
public partial class Program;

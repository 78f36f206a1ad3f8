using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using TechLink.Server.Tests.Infrastructure;

namespace TechLink.Server.Tests.Data;

/// <summary>
/// The default DataPath lies inside the content root: a configuration file watch would cover the database and wake on
/// every write, so the host reads its configuration files once.
/// </summary>
public sealed class ConfigurationWatchTests(AppFixture fixture) : ServerTest(fixture, null), IClassFixture<AppFixture>
{
    [Fact]
    public void Host_ConfigurationFiles_ReadOnceNotWatched()
    {
        var root = Assert.IsAssignableFrom<IConfigurationRoot>(App.Services.GetRequiredService<IConfiguration>());
        var files = root.Providers.OfType<FileConfigurationProvider>().ToList();
        Assert.NotEmpty(files);
        Assert.All(files, f => Assert.False(f.Source.ReloadOnChange, $"{f.Source.Path} is watched"));
    }
}

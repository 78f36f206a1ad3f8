using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace TechLink.Webhooks.Tests.AspNetCore;

public sealed class OptionsBindingTests
{
    [Fact]
    public void AddTechLinkWebhooks_BindsConfigurationSectionThenDelegate()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["TechLink:Webhooks:Secret"] = "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            ["TechLink:Webhooks:AdditionalSecrets:0"] = "whsec_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB",
            ["TechLink:Webhooks:TimestampTolerance"] = "00:02:00",
            ["TechLink:Webhooks:Token"] = "from-config",
        }).Build();
        using var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddTechLinkWebhooks(o => o.Token = "from-code").Services
            .BuildServiceProvider();

        var options = services.GetRequiredService<IOptions<TechLinkWebhookOptions>>().Value;

        Assert.Equal("whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", options.Secret);
        Assert.Equal(["whsec_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"], options.AdditionalSecrets);
        Assert.Equal(TimeSpan.FromMinutes(2), options.TimestampTolerance);
        Assert.Equal("from-code", options.Token);
    }

    [Fact]
    public void AddTechLinkApiClient_WithoutBaseAddress_FailsValidation()
    {
        using var services = new ServiceCollection().AddTechLinkApiClient(o => o.ApiKey = "k").Services.BuildServiceProvider();

        Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<TechLinkApiOptions>>().Value);
    }
}

using System.ComponentModel.DataAnnotations;
using System.Net.Http.Headers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace TechLink.Webhooks;

/// <summary>Where the API is and which key to use.</summary>
public sealed class TechLinkApiOptions
{
    /// <summary>The configuration section these options bind from by convention.</summary>
    public const string SectionName = "TechLink:Api";

    /// <summary>Server address, e.g. <c>https://sandbox.techlinksvc.net/</c>; <c>/api/v1</c> is appended unless present.</summary>
    [Required]
    public Uri? BaseAddress { get; set; }

    /// <summary>The API key, sent as <c>Authorization: Bearer</c>.</summary>
    [Required]
    public string? ApiKey { get; set; }

    /// <summary>Per-request timeout. Default 30 seconds.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    internal Uri ApiRoot
    {
        get
        {
            var baseAddress = BaseAddress ?? throw new InvalidOperationException("TechLinkApiOptions.BaseAddress is required.");
            var text = baseAddress.GetLeftPart(UriPartial.Path).TrimEnd('/');
            if (!text.EndsWith("/api/v1", StringComparison.OrdinalIgnoreCase)) text += "/api/v1";
            return new Uri(text + "/");
        }
    }

    internal void Apply(HttpClient http)
    {
        http.BaseAddress = ApiRoot;
        http.Timeout = Timeout;
        http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("TechLink.Webhooks", typeof(TechLinkApiOptions).Assembly.GetName().Version?.ToString(3) ?? "0"));
    }
}

/// <summary>Adds the bearer key, but only to requests for the API's own origin (a photo URL on another host must not see it).</summary>
internal sealed class ApiKeyHandler(TechLinkApiOptions options) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var root = options.ApiRoot;
        if (request.RequestUri is { } uri && Uri.Compare(uri, root, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", options.ApiKey);
        }

        return base.SendAsync(request, cancellationToken);
    }
}

/// <summary>Registration of <see cref="TechLinkApiClient"/>.</summary>
public static class TechLinkApiServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="TechLinkApiClient"/> as a typed client of <see cref="IHttpClientFactory"/>. Options come from the
    /// <c>TechLink:Api</c> configuration section when there is one, then from <paramref name="configure"/>.
    /// </summary>
    public static IHttpClientBuilder AddTechLinkApiClient(this IServiceCollection services, Action<TechLinkApiOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<TechLinkApiOptions>()
            .Configure<IServiceProvider>((o, sp) => sp.GetService<IConfiguration>()?.GetSection(TechLinkApiOptions.SectionName).Bind(o))
            .Configure(configure ?? (_ => { }))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        return services
            .AddHttpClient<TechLinkApiClient>((sp, http) => sp.GetRequiredService<IOptions<TechLinkApiOptions>>().Value.Apply(http))
            .AddHttpMessageHandler(sp => new ApiKeyHandler(sp.GetRequiredService<IOptions<TechLinkApiOptions>>().Value));
    }
}

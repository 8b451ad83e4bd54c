using CsiDriver.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CsiDriver.Providers.Aws;

/// <summary>Builds the <c>aws</c> provider from the container and the driver's environment.</summary>
internal static class AwsProviderFactory
{
    public static AwsProvider Create(IServiceProvider services, DriverOptions driver)
    {
        var options = services.GetService<AwsProviderOptions>() ?? AwsProviderOptions.FromEnvironment(Environment.GetEnvironmentVariable);
        options.MaxObjectBytes = Math.Min(options.MaxObjectBytes, driver.MaxObjectBytes);
        var http = Http.BackendHttp.CreateClient(new Http.BackendConnection { ConnectTimeout = TimeSpan.FromSeconds(5) }, userAgent: null);
        return new AwsProvider(
            options,
            services.GetRequiredService<IServiceAccountLookup>(),
            http,
            services.GetRequiredService<TimeProvider>(),
            services.GetRequiredService<Random>(),
            services.GetRequiredService<ILogger<AwsProvider>>(),
            services.GetService<Observability.DriverMetrics>());
    }
}

using CsiDriver.Providers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CsiDriver.Tests.Infrastructure;

/// <summary>
/// A built-in provider wired the way the driver wires it (its <c>Add*Provider</c> extension), in a container of its own:
/// its own token and value caches, and disposing it disposes the container with the HTTP clients it built.
/// </summary>
internal sealed class WiredProvider(ServiceProvider services) : IProvider, IDisposable
{
    private readonly IProvider _provider = services.GetServices<IProvider>().Single();

    public string Name => _provider.Name;

    /// <summary>Builds the container from what <paramref name="register"/> adds to one with silent logging.</summary>
    public static WiredProvider Build(Func<IServiceCollection, IServiceCollection> register) =>
        new(register(new ServiceCollection().AddSingleton(typeof(ILogger<>), typeof(NullLogger<>))).BuildServiceProvider());

    public Task<ProviderResult> FetchAsync(ProviderRequest request, CancellationToken cancellationToken) => _provider.FetchAsync(request, cancellationToken);

    public void Dispose() => services.Dispose();
}

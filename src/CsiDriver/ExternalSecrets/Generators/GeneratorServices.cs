using CsiDriver.ExternalSecrets.Kubernetes;
using CsiDriver.ExternalSecrets.Stores;

namespace CsiDriver.ExternalSecrets.Generators;

/// <summary>Wires the generators <c>sourceRef.generatorRef</c> can name.</summary>
internal static class GeneratorServices
{
    /// <summary>
    /// Registers the <c>Password</c> generator (on the system CSPRNG unless an <see cref="ISecureRandom"/> is registered
    /// first), the <c>VaultDynamicSecret</c> generator when the vault store is registered, the <see cref="GeneratedLeases"/>
    /// its Vault leases are kept in, and the runner.
    /// </summary>
    public static IServiceCollection AddExternalSecretGenerators(this IServiceCollection services)
    {
        services.TryAddSingleton<ISecureRandom, CryptoRandom>();
        services.AddSingleton<IGenerator>(sp => new PasswordGenerator(sp.GetRequiredService<ISecureRandom>()));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<GeneratedLeases>();
        services.AddSingleton<IGenerator>(sp => new VaultDynamicSecretGenerator(sp.GetServices<IStoreProvider>(), sp.GetRequiredService<GeneratedLeases>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => new GeneratorRunner(sp.GetRequiredService<ExternalSecretsKubeApi>(), sp.GetServices<IGenerator>()));
        return services;
    }
}

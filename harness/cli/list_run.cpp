#include "cli/list_run.hpp"

#include "runner/catalog.hpp"
#include "suites/server/register.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>

namespace coitest::cli {

namespace {

nlohmann::json requirement_json(const Requirement& r) {
    return {{"id", r.id},
            {"spec", r.spec},
            {"section", r.section},
            {"line", r.line},
            {"level", std::string(to_string(r.level))},
            {"side", r.side},
            {"summary", r.summary}};
}

}  // namespace

int run_list(const ListOptions& options) {
    auto catalog = Catalog::load(default_catalog_dir());
    if (!catalog) {
        std::cerr << "coitest: error: " << catalog.error().message << "\n";
        return 2;
    }
    Registry registry;
    std::vector<Error> unloadable;
    suites::register_server_suites(registry, unloadable);
    for (const auto& e : unloadable) std::cerr << "coitest: error: " << e.message << "\n";
    if (auto v = registry.validate(*catalog); !v) {
        std::cerr << "coitest: error: " << v.error().message << "\n";
        return 2;
    }
    if (options.format != "text" && options.format != "json") {
        std::cerr << "coitest: error: --format must be text or json\n";
        return 2;
    }
    const bool json = options.format == "json";

    if (options.requirements) {
        if (json) {
            nlohmann::json out = nlohmann::json::array();
            for (const auto& r : catalog->all()) out.push_back(requirement_json(r));
            std::cout << out.dump(2) << "\n";
        } else {
            for (const auto& r : catalog->all())
                std::cout << fmt::format("{:<48} {:<10} {} §{}\n", r.id, to_string(r.level), r.spec,
                                         r.section);
            std::cout << fmt::format("{} requirements\n", catalog->all().size());
        }
        return unloadable.empty() ? 0 : 3;
    }

    const auto tests = registry.select(options.selection);
    if (json) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto* t : tests) {
            nlohmann::json reqs = nlohmann::json::array();
            for (const auto& id : t->requirements)
                reqs.push_back(requirement_json(*catalog->find(id)));
            out.push_back({{"id", t->id},
                           {"title", t->title},
                           {"classname", t->classname},
                           {"profile", t->profile},
                           {"tags", t->tags},
                           {"accounts", t->accounts},
                           {"requirements", reqs}});
        }
        std::cout << nlohmann::json{{"tests", out}}.dump(2) << "\n";
    } else {
        for (const auto* t : tests) {
            std::cout << fmt::format("{:<48} {:<14} {}\n", t->id, t->profile, t->title);
            for (const auto& id : t->requirements)
                std::cout << fmt::format("    {:<44} {}\n", id,
                                         to_string(catalog->find(id)->level));
        }
        std::cout << fmt::format("{} tests\n", tests.size());
    }
    return unloadable.empty() ? 0 : 3;
}

}  // namespace coitest::cli

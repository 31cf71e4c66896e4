//! Names that Alation holds as one object (its keys ignore case) are refused before
//! any write: by `validate` with an Alation configuration, by `plan`, and by `apply`.

use metaform::commands::state_dir::{read_state_dir, write_state_dir};

use super::project;
use crate::workspace::Workspace;

/// Adds the tables `Orders` and `orders` to the `shopify` schema, `Orders` with the
/// columns `ID` and `id`.
fn add_colliding_names(project: &Workspace) {
    let state = project.path("state");
    let mut catalog = read_state_dir(&state).expect("the snapshot reads");
    let schema = catalog
        .databases
        .iter_mut()
        .flat_map(|d| d.schemas.iter_mut())
        .find(|s| s.name == "shopify")
        .expect("the shopify schema");
    let mut template = schema.tables[0].clone();
    template.constraints.clear();
    template.columns.truncate(1);
    template.columns[0].constraint = None;
    let mut upper = template.clone();
    upper.name = "Orders".into();
    upper.columns[0].name = "ID".into();
    let mut id = upper.columns[0].clone();
    id.name = "id".into();
    id.ordinal_position = Some(2);
    upper.columns.push(id);
    let mut lower = template;
    lower.name = "orders".into();
    schema.tables.extend([upper, lower]);
    write_state_dir(&state, &catalog).expect("the state is written");
}

/// The refusal names both tables and both columns, each with its state file.
fn assert_names_both(project: &Workspace, stderr: &str) {
    let file = project.path("state/sample_data/ecommerce_db/shopify.yaml");
    let file = file.display();
    for expected in [
        format!(
            "table `sample_data.ecommerce_db.shopify.Orders` (in `{file}`) and table \
             `sample_data.ecommerce_db.shopify.orders` (in `{file}`) are one object in Alation"
        ),
        format!(
            "column `sample_data.ecommerce_db.shopify.Orders.ID` (in `{file}`) and column \
             `sample_data.ecommerce_db.shopify.Orders.id` (in `{file}`) are one object in Alation"
        ),
    ] {
        assert!(stderr.contains(&expected), "{expected}\nnot in:\n{stderr}");
    }
}

/// `Orders`/`orders` tables and `ID`/`id` columns: `validate` with an Alation
/// configuration, `plan` and `apply --auto-approve` exit 1 naming both objects and
/// their files, and Alation receives no write.
#[tokio::test]
async fn case_colliding_names_are_refused_before_any_write() {
    let project = project().build().await;
    project.run_ok(&["snapshot"]).await;
    add_colliding_names(&project);
    let before = serde_json::to_value(&*project.sandbox.alation_state().read())
        .expect("the Alation state serialises");

    let validate = project.run_expect(&["validate"], 1).await;
    assert_names_both(&project, &validate.stderr);
    let plan = project.run_expect(&["plan"], 1).await;
    assert_names_both(&project, &plan.stderr);
    assert_eq!(plan.stdout, "", "no plan is shown");
    let apply = project.run_expect(&["apply", "--auto-approve"], 1).await;
    assert_names_both(&project, &apply.stderr);

    let after = serde_json::to_value(&*project.sandbox.alation_state().read())
        .expect("the Alation state serialises");
    assert_eq!(before, after, "Alation received a write");
}

/// Without colliding names, `validate` with an Alation configuration still passes.
#[tokio::test]
async fn validate_with_an_alation_configuration_passes_distinct_names() {
    let project = project().build().await;
    project.run_ok(&["snapshot"]).await;
    let validate = project.run_ok(&["validate"]).await;
    assert!(
        validate.stderr.contains("state files are valid"),
        "{}",
        validate.stderr
    );
}

//! The bulk lists' `link` header in every form a gateway might send it: the name in lower case
//! (`link`, as the docs print it) or Title-Case (`Link`, the only one a peer's loop finds), and
//! the last page marked by `link: null` (the docs), no header (what the peer expects) or an empty
//! value. The client must walk every list to its end, once per item, in all six combinations.

mod common;

use common::{args, sim, sim_client};
use qualys_cs::api::ImagesBulkListParams;
use qualys_cs_sim::{LinkCase, LinkEnd, SimConfig};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::time::Duration;

#[tokio::test]
async fn cursor_lists_end_on_every_link_form() {
    for case in [LinkCase::Lower, LinkCase::Title] {
        for end in [LinkEnd::Null, LinkEnd::Absent, LinkEnd::Empty] {
            let what = format!("{case:?}/{end:?}");
            let sim = sim(SimConfig::default()
                .images(23)
                .containers(17)
                .link_header(case, end))
            .await;
            let client = sim_client(&sim).build().unwrap();
            let images = tokio::time::timeout(
                Duration::from_secs(60),
                client
                    .images()
                    .bulk_list(ImagesBulkListParams::default().limit(10))
                    .unwrap()
                    .collect(),
            )
            .await
            .unwrap_or_else(|_| panic!("{what}: the images list did not end"))
            .unwrap();
            let uuids: HashSet<&str> = images.iter().map(|i| i.uuid.as_deref().unwrap()).collect();
            assert_eq!((images.len(), uuids.len()), (23, 23), "{what}");
            let containers: Vec<Value> = tokio::time::timeout(
                Duration::from_secs(60),
                client
                    .paginate("P01", args(json!({"limit": 5})))
                    .unwrap()
                    .collect(),
            )
            .await
            .unwrap_or_else(|_| panic!("{what}: the containers list did not end"))
            .unwrap();
            assert_eq!(containers.len(), 17, "{what}");
            // 3 pages of images, 4 of containers: no call after the last page.
            let calls = |p: &str| sim.requests().iter().filter(|r| r.path == p).count();
            assert_eq!(calls("/csapi/v1.3/images/list"), 3, "{what}");
            assert_eq!(calls("/csapi/v1.3/containers/list"), 4, "{what}");
        }
    }
}

mod banner;
mod titles;

pub use banner::*;
pub use self::titles::heading::make as headline;
